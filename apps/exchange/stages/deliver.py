"""The deliver stage: claim a due outbox row, call the target, classify, retry or dead-letter.

What the target's acceptance means for the business object is the flow handler's to say
(`FlowHandler.delivered`); this stage knows no flow.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.core.errors import TransportError
from apps.exchange.backoff import backoff_delay
from apps.exchange.handlers import handler_for
from apps.exchange.models import Delivery, DeliveryAttempt, DeliveryStatus, TraceOutcome
from apps.exchange.stages.claim import DUE_STATUSES
from apps.exchange.stages.route import delivery_enqueue
from apps.exchange.stages.trace import trace_record
from apps.quarantine.choices import ReasonCode
from apps.quarantine.services import quarantine_open
from apps.systems.services import system_delivery_admit, system_delivery_outcome

# The reason code of a delivery the target refused for good; replayed by delivering again.
DEAD_LETTER = ReasonCode.DELIVERY_FAILED


def attempt_one(delivery_id: int, now: datetime | None) -> Delivery | None:
    """Claim and attempt one delivery if it is due, first in its line and its gate is open."""
    now = now or timezone.now()
    due = _due(delivery_id, now).select_related("flow", "target_system").first()
    if due is None:
        return None
    earlier = _earlier_in_line(due)
    if earlier is not None:
        # No task of its own while it waits: the one ahead goes on down the line when it
        # settles; the sweep, after a lease, is the safety net.
        lease = timedelta(seconds=settings.HUB_DELIVERY_LEASE_SECONDS)
        until = max(earlier.next_attempt_at, now) + lease
        reason = f"waits for delivery {earlier.pk} ahead of it in line"
        return delivery_wait(due, until, reason, enqueue=False)
    gate = system_delivery_admit(system=due.target_system, now=now)
    if not gate.open:
        return delivery_wait(due, gate.until, gate.reason)
    # Conditions on the row itself, no join: PostgreSQL then checks them again on the row a
    # concurrent claim just committed, where `id IN (a join's subquery)` would pass twice.
    claimed = Delivery.objects.filter(
        pk=delivery_id, status__in=DUE_STATUSES, next_attempt_at__lte=now
    ).update(status=DeliveryStatus.IN_FLIGHT, claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return None
    delivery = Delivery.objects.select_related("flow", "target_system").get(pk=delivery_id)
    return attempt_claimed(delivery, now)


def _due(delivery_id: int, now: datetime):
    return Delivery.objects.filter(
        pk=delivery_id, status__in=DUE_STATUSES, next_attempt_at__lte=now, flow__is_paused=False
    )


def _earlier_in_line(delivery: Delivery) -> Delivery | None:
    # Deliveries sharing a line key (e.g. one account's orders) reach their target in the order
    # they were made, also when a held backlog drains after an outage.
    if not delivery.line_key:
        return None
    return (
        Delivery.objects.filter(
            flow_id=delivery.flow_id,
            target_system_id=delivery.target_system_id,
            line_key=delivery.line_key,
            status__in=[*DUE_STATUSES, DeliveryStatus.IN_FLIGHT],
            pk__lt=delivery.pk,
        )
        .order_by("pk")
        .first()
    )


def _next_in_line(delivery: Delivery) -> Delivery | None:
    """The oldest delivery still owed in the settled delivery's line, made due now."""
    if not delivery.line_key:
        return None
    following = (
        Delivery.objects.filter(
            flow_id=delivery.flow_id,
            target_system_id=delivery.target_system_id,
            line_key=delivery.line_key,
            status__in=DUE_STATUSES,
        )
        .order_by("pk")
        .first()
    )
    if following is not None and following.next_attempt_at > timezone.now():
        Delivery.objects.filter(pk=following.pk, status__in=DUE_STATUSES).update(
            next_attempt_at=timezone.now()
        )
    return following


def delivery_wait(
    delivery: Delivery, until: datetime, reason: str, *, enqueue: bool = True
) -> Delivery:
    """Not now: wait until `until` without spending an attempt; the trace says why, once."""
    note = f"Held: {reason}"
    Delivery.objects.filter(pk=delivery.pk, status__in=DUE_STATUSES).update(
        next_attempt_at=until, last_error=note
    )
    if delivery.last_error != note:
        trace_record(
            subject_type=delivery.subject_type,
            subject_key=delivery.subject_key,
            stage="hold",
            outcome=TraceOutcome.NOTE,
            delivery=delivery,
            message=f"Delivery to {delivery.target_system.code} held until "
            f"{until:%Y-%m-%d %H:%M:%S} UTC: {reason}.",
        )
    delivery.next_attempt_at, delivery.last_error = until, note
    if enqueue:
        delivery_enqueue(delivery=delivery, eta=until)
    return delivery


def attempt_claimed(delivery: Delivery, now: datetime) -> Delivery:
    """Call the target for a delivery this worker claimed; record and classify the outcome."""
    attempt, answer = attempt_call(delivery, now)
    if isinstance(answer, TransportError):
        return attempt_failed(delivery, attempt, answer, now)
    system_delivery_outcome(system=delivery.target_system, succeeded=True, now=timezone.now())
    return attempt_succeeded(delivery, attempt, answer)


def attempt_call(delivery: Delivery, now: datetime) -> tuple[DeliveryAttempt, object]:
    """The attempt row (written first, so an attempt in flight shows), then the call: the
    target's answer, or the TransportError that says whether a retry can help."""
    attempt = DeliveryAttempt.objects.create(
        delivery=delivery, number=delivery.attempts, started_at=now
    )
    try:
        # The flow's handler makes the call: most post JSON, partner webhooks sign theirs.
        return attempt, handler_for(delivery.flow.code).send(delivery=delivery)
    except TransportError as exc:
        return attempt, exc


def attempt_failed(delivery, attempt, exc: TransportError, now) -> Delivery:
    """Record a failed call: the circuit hears of it, then retry, or dead letter."""
    # Only failures a retry could fix say the target is down; a refusal says it is up.
    system_delivery_outcome(
        system=delivery.target_system, succeeded=not exc.retryable, now=timezone.now()
    )
    return _attempt_failed(delivery, attempt, exc, now)


@transaction.atomic
def attempt_succeeded(delivery: Delivery, attempt: DeliveryAttempt, response) -> Delivery:
    attempt.status_code, attempt.succeeded = response.status_code, True
    attempt.finished_at = timezone.now()
    attempt.save()
    delivery.status, delivery.response_body, delivery.last_error = (
        DeliveryStatus.DELIVERED,
        response.body,
        "",
    )
    delivery.save(update_fields=["status", "response_body", "last_error", "updated_at"])
    trace_record(
        subject_type=delivery.subject_type,
        subject_key=delivery.subject_key,
        stage="deliver",
        delivery=delivery,
        message=f"Attempt {attempt.number}: {delivery.target_system.code} accepted "
        f"({response.status_code}).",
        data={"response": response.body},
    )
    handler_for(delivery.flow.code).delivered(delivery=delivery, answer=response.body)
    return delivery


@transaction.atomic
def _attempt_failed(delivery, attempt, exc: TransportError, now) -> Delivery:
    attempt.status_code, attempt.error = exc.status_code, exc.message
    attempt.finished_at = timezone.now()
    attempt.save()
    flow = delivery.flow
    in_window = now < delivery.created_at + flow.retry_window
    if exc.retryable and delivery.attempts < flow.max_attempts and in_window:
        delay = backoff_delay(
            attempt=delivery.attempts,
            base_seconds=flow.backoff_base_seconds,
            max_seconds=flow.backoff_max_seconds,
        )
        # A target that says when to come back (429/503 Retry-After) is taken at its word.
        delay = max(delay, timedelta(seconds=exc.retry_after or 0))
        # From when the answer came back (a slow 429 asked for its wait from then), or the
        # simulated clock a caller passed, whichever is later.
        answered = max(now, timezone.now())
        delivery.status, delivery.next_attempt_at = DeliveryStatus.RETRYING, answered + delay
        verdict = f"retry in {delay.total_seconds():.1f}s"
    else:
        delivery.status = DeliveryStatus.DEAD
        verdict = "gave up: dead letter for the flow owner"
    delivery.last_error = exc.message
    delivery.save(update_fields=["status", "next_attempt_at", "last_error", "updated_at"])
    trace_record(
        subject_type=delivery.subject_type,
        subject_key=delivery.subject_key,
        stage="deliver",
        outcome=TraceOutcome.FAILED,
        delivery=delivery,
        message=f"Attempt {attempt.number} failed ({exc.message}); {verdict}.",
        data={"status_code": exc.status_code, "retryable": exc.retryable},
    )
    if delivery.status == DeliveryStatus.RETRYING:
        delivery_enqueue(delivery=delivery, eta=delivery.next_attempt_at)
    else:
        _dead_letter(delivery, exc)
        # A dead letter leaves the line; the next delivery in it goes now.
        if (following := _next_in_line(delivery)) is not None:
            delivery_enqueue(delivery=following)
    return delivery


def _dead_letter(delivery: Delivery, exc: TransportError) -> None:
    quarantine_open(
        flow=delivery.flow,
        reason_code=DEAD_LETTER,
        subject_type=delivery.subject_type,
        subject_key=delivery.subject_key,
        payload=delivery.payload,
        problems=[{"code": exc.code, "delivery": delivery.pk, "error": exc.message}],
        owner=delivery.flow.owner,
        message=f"{delivery.target_system.code} did not take the delivery: {exc.message}",
    )
