"""Operator controls on deliveries: retry one now, hold one, and replay a flow's time range.

A range replay sends deliveries again with their own idempotency keys, so a target that
already has one answers as it did the first time: nothing is applied twice. It is a request
until a second person approves it, as every replay is.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from apps.core.errors import InvalidTransition, PermissionRefused, ValidationFailed
from apps.exchange.models import (
    Delivery,
    DeliveryStatus,
    ReplayRequest,
    ReplayStatus,
    TraceOutcome,
)
from apps.exchange.stages.route import delivery_enqueue
from apps.exchange.stages.trace import trace_record

# What a range replay sends again: settled deliveries. Outstanding ones are on their way.
REPLAYABLE = [DeliveryStatus.DELIVERED, DeliveryStatus.DEAD]
WAITING = [DeliveryStatus.PENDING, DeliveryStatus.RETRYING, DeliveryStatus.HELD]


@transaction.atomic
def delivery_retry_now(*, delivery: Delivery, actor) -> Delivery:
    """Attempt a waiting or held delivery at once (a paused flow or closed gate still holds)."""
    _moved(delivery, WAITING, DeliveryStatus.RETRYING, timezone.now(), actor, "retry now")
    delivery.refresh_from_db()
    delivery_enqueue(delivery=delivery)
    return delivery


@transaction.atomic
def delivery_hold(*, delivery: Delivery, actor, reason: str) -> Delivery:
    """Keep a delivery from being attempted until an operator retries it."""
    if not reason.strip():
        raise ValidationFailed("Say why the delivery is held.", fields={"reason": ["Required."]})
    waiting = [DeliveryStatus.PENDING, DeliveryStatus.RETRYING]
    _moved(delivery, waiting, DeliveryStatus.HELD, delivery.next_attempt_at, actor, reason)
    delivery.refresh_from_db()
    return delivery


def _moved(delivery, from_statuses, to_status, next_attempt_at, actor, why: str) -> None:
    moved = Delivery.objects.filter(pk=delivery.pk, status__in=from_statuses).update(
        status=to_status, next_attempt_at=next_attempt_at
    )
    if not moved:
        current = Delivery.objects.get(pk=delivery.pk).status
        raise InvalidTransition(f"Delivery {delivery.pk} is {current}; it cannot be {why}.")
    trace_record(
        subject_type=delivery.subject_type,
        subject_key=delivery.subject_key,
        stage="operator",
        outcome=TraceOutcome.NOTE,
        delivery=delivery,
        actor=actor,
        message=f"{_name(actor)}: delivery {delivery.pk} {to_status} ({why}).",
    )


def replay_range_deliveries(*, flow, since: datetime, until: datetime):
    """The flow's settled deliveries made in [since, until), oldest first."""
    return Delivery.objects.filter(
        flow=flow, created_at__gte=since, created_at__lt=until, status__in=REPLAYABLE
    ).order_by("pk")


def replay_range_request(
    *, flow, since: datetime, until: datetime, actor, reason: str
) -> ReplayRequest:
    """Ask to send a flow's deliveries of a time range again; waits for a second person."""
    if since >= until:
        raise ValidationFailed(
            "The range must end after it starts.", fields={"until": ["After since."]}
        )
    if not reason.strip():
        raise ValidationFailed("Say why the range is replayed.", fields={"reason": ["Required."]})
    return ReplayRequest.objects.create(
        flow=flow, since=since, until=until, reason=reason, requested_by=actor
    )


@transaction.atomic
def replay_range_approve(*, request: ReplayRequest, actor) -> ReplayRequest:
    """A second person approves: every settled delivery of the range is queued again."""
    request = _decided(request, actor, ReplayStatus.DONE)
    count = 0
    for delivery in replay_range_deliveries(
        flow=request.flow, since=request.since, until=request.until
    ):
        Delivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=timezone.now()
        )
        trace_record(
            subject_type=delivery.subject_type,
            subject_key=delivery.subject_key,
            stage="replay",
            actor=actor,
            delivery=delivery,
            message=f"Sent again by range replay {request.pk} (requested by "
            f"{_name(request.requested_by)}, approved by {_name(actor)}): {request.reason}",
        )
        delivery_enqueue(delivery=delivery)
        count += 1
    ReplayRequest.objects.filter(pk=request.pk).update(deliveries=count)
    request.deliveries = count
    return request


@transaction.atomic
def replay_range_refuse(*, request: ReplayRequest, actor) -> ReplayRequest:
    """A second person refuses the request; nothing is sent."""
    return _decided(request, actor, ReplayStatus.REFUSED)


def _decided(request: ReplayRequest, actor, status: str) -> ReplayRequest:
    if actor is None or actor.pk == request.requested_by_id:
        raise PermissionRefused(
            "A replay is decided by a second person, never by the one who asked for it."
        )
    decided = ReplayRequest.objects.filter(pk=request.pk, status=ReplayStatus.REQUESTED).update(
        status=status, decided_by=actor, decided_at=timezone.now()
    )
    if not decided:
        raise InvalidTransition(f"Replay request {request.pk} was already decided.")
    return ReplayRequest.objects.select_related("flow", "requested_by").get(pk=request.pk)


def _name(person) -> str:
    return person.get_username() if person is not None else "the command line"
