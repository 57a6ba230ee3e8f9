"""Draining a target's outbox: after one delivery succeeds, the same worker goes on with what
else is due for the target, a batch of line heads at a time, over its kept-alive connection.

Every guarantee of a single attempt holds: the gate is asked before each batch (and again
after a second, a failure or a probe, and before every call to a rate-limited target), a
delivery the gate stops gives its attempt back and waits, each attempt row is written before
its call, failures are classified one by one. What is batched is the bookkeeping of
successes: their attempt rows, outbox rows and trace steps are written together, in one
transaction with what the flow's handler makes of each answer.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from apps.core.errors import TransportError
from apps.exchange.handlers import handler_for
from apps.exchange.models import Delivery, DeliveryAttempt, DeliveryStatus, TraceEvent
from apps.exchange.stages.claim import deliveries_claim, lines_advance
from apps.exchange.stages.deliver import (
    attempt_call,
    attempt_failed,
    attempt_one,
    attempt_succeeded,
    delivery_wait,
)
from apps.exchange.stages.trace import _row as trace_row
from apps.systems.services import system_delivery_admit, system_delivery_outcome

# How many due deliveries a worker claims at once for a target it may call freely.
BATCH = 10
# How long one task goes on draining a target before it lets other work in its queue run.
DRAIN_SECONDS = 30.0
# Within a batch the target's gate (maintenance, circuit) is asked again after this long.
GATE_RECHECK = timedelta(seconds=1)


def delivery_attempt(*, delivery_id: int, now: datetime | None = None) -> Delivery | None:
    """Make one attempt if the delivery is due, first in its line, its target's gate is open
    and nobody else has claimed it; a held delivery spends no attempt. After a success the
    same worker drains what else is due for the target: a backlog drains at once, each line
    in order."""
    first = attempt_one(delivery_id, now)
    if first is not None and first.status == DeliveryStatus.DELIVERED:
        _drain(first)
    return first


def _drain(first: Delivery) -> int:
    deadline = time.monotonic() + DRAIN_SECONDS
    lines_advance(deliveries=[first])
    sent = 0
    while time.monotonic() < deadline:
        batch = deliveries_claim(
            flow_id=first.flow_id,
            system_id=first.target_system_id,
            limit=1 if first.target_system.delivery_rate_limit else BATCH,
            now=timezone.now(),
        )
        if not batch:
            break
        settled = _batch_send(batch)
        # Before anything else, so a drain that stops here leaves no line waiting for a lease.
        lines_advance(deliveries=[d for d in settled if d.status == DeliveryStatus.DELIVERED])
        sent += len(settled)
        if len(settled) < len(batch):
            break  # the gate closed; the rest wait for it
    return sent


def _batch_send(batch: list[Delivery]) -> list[Delivery]:
    """Attempt each claimed delivery in turn while the target's gate stays open; those it
    closed on give their attempt back and wait. Returns the deliveries attempted."""
    admitted_at, attempted, accepted = None, [], []
    for index, delivery in enumerate(batch):
        now = timezone.now()
        system = delivery.target_system
        if admitted_at is None or system.delivery_rate_limit or now - admitted_at > GATE_RECHECK:
            gate = system_delivery_admit(system=system, now=now)
            if not gate.open:
                _accepted_record(accepted)
                _claims_return(batch[index:], gate)
                return attempted
            admitted_at = None if gate.probe else now
        attempt, answer = attempt_call(delivery, now)
        if isinstance(answer, TransportError):
            # Successes first, so the circuit hears of them in the order they happened.
            _accepted_record(accepted)
            accepted = []
            attempt_failed(delivery, attempt, answer, now)
            admitted_at = None  # the circuit may have opened
        else:
            accepted.append((delivery, attempt, answer))
        attempted.append(delivery)
    _accepted_record(accepted)
    return attempted


def _accepted_record(accepted: list[tuple]) -> None:
    if not accepted:
        return
    system = accepted[0][0].target_system
    system_delivery_outcome(system=system, succeeded=True, now=timezone.now())
    try:
        _accepted_write(accepted)
    except Exception:  # noqa: BLE001 - written again one by one; a failing one raises there
        # One answer its handler cannot take must not cost the others their record: each
        # is written on its own, as a single attempt would be, and that one raises alone.
        for delivery, attempt, answer in accepted:
            attempt_succeeded(delivery, attempt, answer)


@transaction.atomic
def _accepted_write(accepted: list[tuple]) -> None:
    """Attempt rows, outbox rows and trace steps of the batch's successes in three queries,
    then what each answer means to its flow."""
    finished = timezone.now()
    for delivery, attempt, answer in accepted:
        attempt.status_code, attempt.succeeded, attempt.finished_at = (
            answer.status_code,
            True,
            finished,
        )
        delivery.status, delivery.response_body = DeliveryStatus.DELIVERED, answer.body
        delivery.last_error, delivery.updated_at = "", finished
    DeliveryAttempt.objects.bulk_update(
        [attempt for _, attempt, _ in accepted], ["status_code", "succeeded", "finished_at"]
    )
    Delivery.objects.bulk_update(
        [delivery for delivery, _, _ in accepted],
        ["status", "response_body", "last_error", "updated_at"],
    )
    TraceEvent.objects.bulk_create(_accepted_step(*item) for item in accepted)
    # A batch is one flow's (claims are per flow and target).
    handler_for(accepted[0][0].flow.code).delivered_many(
        accepted=[(delivery, answer.body) for delivery, _, answer in accepted]
    )


def _accepted_step(delivery: Delivery, attempt: DeliveryAttempt, answer) -> TraceEvent:
    message = (
        f"Attempt {attempt.number}: {delivery.target_system.code} accepted ({answer.status_code})."
    )
    row = trace_row(
        delivery.subject_type,
        delivery.subject_key,
        "deliver",
        message,
        "ok",
        {"response": answer.body},
    )
    return TraceEvent(**row, delivery=delivery)


def _claims_return(deliveries: list[Delivery], gate) -> None:
    """Claimed but not attempted: the attempt is given back, and each waits for the gate."""
    Delivery.objects.filter(
        pk__in=[d.pk for d in deliveries], status=DeliveryStatus.IN_FLIGHT
    ).update(
        status=Case(
            When(attempts__gt=1, then=Value(DeliveryStatus.RETRYING)),
            default=Value(DeliveryStatus.PENDING),
        ),
        attempts=F("attempts") - 1,
    )
    for delivery in deliveries:
        delivery.attempts -= 1
        delivery.status = DeliveryStatus.RETRYING if delivery.attempts else DeliveryStatus.PENDING
        delivery_wait(delivery, gate.until, gate.reason)
