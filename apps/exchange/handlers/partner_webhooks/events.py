"""Order events for partners: queued as a status change commits, made good from the orders'
history by a safety net, replayed on a partner's request.

Exactly once per (order, status): the event's webhook-id is its outbox row's idempotency key,
unique in the database, so the commit hook and the safety net can both try and one row wins.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.errors import Conflict, ValidationFailed
from apps.exchange.models import Delivery
from apps.exchange.stages.route import delivery_enqueue
from apps.exchange.stages.trace import trace_record
from apps.flows.models import Flow
from apps.fulfillment.selectors import invoice_view, order_fulfillment_prefetches, shipment_view
from apps.orders.models import Order, OrderStatus
from apps.systems.models import PartnerWebhook

WEBHOOK_FLOW = "partner-webhooks"
# The statuses a partner hears of, as Standard Webhooks event types.
EVENT_TYPES = {
    OrderStatus.ACKNOWLEDGED: "order.acknowledged",
    OrderStatus.PARTIALLY_SHIPPED: "order.partially_shipped",
    OrderStatus.SHIPPED: "order.shipped",
    OrderStatus.INVOICED: "order.invoiced",
    OrderStatus.REJECTED: "order.rejected",
    OrderStatus.CANCELLED: "order.cancelled",
}
# The safety net reads this far behind its last run: a transaction that changed an order
# before that run may commit after it (its history row carries the earlier time).
LOOK_BACK = timedelta(minutes=5)
EVENT_KEY = "hub-partner-webhooks-{number}-{status}"
REPLAY_PREFIX = "hub-partner-webhooks-replay-"
MAX_REPLAY = 1000
MAX_REPLAY_RANGE = timedelta(days=31)


def partner_webhook_emit_on_commit(
    *, order_pk: int, partner_pk: int, status: str, changed_at: datetime
) -> Delivery | None:
    """Queue the event for one status change, called right after the change committed.

    The payload is the order as that transaction left it (lines, shipments, invoices). None
    when the partner hears of nothing (no active endpoint or flow) or the event is queued
    already: by the safety net, or by an earlier save of the order in that status.
    """
    flow = Flow.objects.filter(code=WEBHOOK_FLOW, is_active=True).first()
    hook = (
        PartnerWebhook.objects.filter(system_id=partner_pk, is_active=True, system__is_active=True)
        .select_related("system")
        .first()
    )
    if flow is None or hook is None:
        return None
    order = _orders_loaded(Order.objects.filter(pk=order_pk)).get()
    key = EVENT_KEY.format(number=order.number, status=status)
    if _sent({key}):
        return None
    delivery = _delivery(flow, hook, key, order, status, changed_at, timezone.now())
    try:
        with transaction.atomic():
            delivery.save()
            _queued(delivery, f"Event {delivery.payload['type']} queued for {hook.system.code}.")
    except IntegrityError:
        return None  # the safety net queued it between our look and our insert
    return delivery


def partner_webhooks_emit(*, now: datetime | None = None) -> int:
    """The safety net (beat): queue the events the commit hook did not, for statuses reached
    since the last run (a worker that died between a commit and its hook, or a bulk write
    that sends no signal); returns how many."""
    now = now or timezone.now()
    flow = Flow.objects.filter(code=WEBHOOK_FLOW, is_active=True).first()
    if flow is None:
        return 0
    hooks = PartnerWebhook.objects.filter(is_active=True, system__is_active=True)
    return sum(_emit_for(flow, hook, now) for hook in hooks.select_related("system"))


def _emit_for(flow: Flow, hook: PartnerWebhook, now: datetime) -> int:
    changes = (
        Order.history.filter(
            source_system_id=hook.system_id,
            history_date__gt=hook.events_seen_until - LOOK_BACK,
            history_date__lte=now,
            status__in=list(EVENT_TYPES),
        )
        .order_by("history_date", "history_id")
        .values_list("number", "status", "history_date")
    )
    events: dict[str, tuple[str, str, datetime]] = {}
    for number, status, changed_at in changes:
        events.setdefault(
            EVENT_KEY.format(number=number, status=status), (number, status, changed_at)
        )
    sent = _sent(set(events))
    new = {key: event for key, event in events.items() if key not in sent}
    with transaction.atomic():
        deliveries = _deliveries_add(flow, hook, new, now)
        PartnerWebhook.objects.filter(pk=hook.pk).update(events_seen_until=now)
    return len(deliveries)


def _sent(keys: set[str]) -> set[str]:
    rows = Delivery.objects.filter(idempotency_key__in=list(keys))
    return set(rows.values_list("idempotency_key", flat=True))


def _orders_loaded(orders):
    return orders.select_related("account").prefetch_related(
        "lines__product", *order_fulfillment_prefetches()
    )


def _deliveries_add(flow, hook, events: dict, now: datetime) -> list[Delivery]:
    if not events:
        return []
    numbers = {number for number, _, _ in events.values()}
    orders = {
        order.number: order for order in _orders_loaded(Order.objects.filter(number__in=numbers))
    }
    made = [
        _delivery(flow, hook, key, orders[number], status, changed_at, now)
        for key, (number, status, changed_at) in events.items()
    ]
    try:
        with transaction.atomic():
            deliveries = Delivery.objects.bulk_create(made)
    except IntegrityError:
        # A commit hook queued one of them since we looked: keep each that is still new.
        deliveries = [delivery for delivery in made if _saved_if_new(delivery)]
    for delivery in deliveries:
        _queued(delivery, f"Event {delivery.payload['type']} queued for {hook.system.code}.")
    return deliveries


def _saved_if_new(delivery: Delivery) -> bool:
    try:
        with transaction.atomic():
            delivery.save()
    except IntegrityError:
        return False
    return True


def _delivery(flow, hook, key, order, status, changed_at, now) -> Delivery:
    return Delivery(
        flow=flow,
        target_system=hook.system,
        subject_type="order",
        subject_key=order.number,
        path="",
        payload=event_payload(order, status, changed_at),
        idempotency_key=key,
        # One order's events reach the partner in the order they happened.
        line_key=f"order:{order.number}",
        next_attempt_at=now,
    )


def event_payload(order: Order, status: str, changed_at: datetime) -> dict:
    """The event body: Standard Webhooks' type, timestamp and data: the order as the hub holds
    it when the event is queued (its lines, shipments and invoices)."""
    skus = {line.line_number: line.product.sku for line in order.lines.all()}
    return {
        "type": EVENT_TYPES[status],
        "timestamp": changed_at.isoformat().replace("+00:00", "Z"),
        "data": {
            "order": order.number,
            "status": status,
            "account": order.account.number,
            "po_number": order.po_number,
            "external_ref": order.external_ref,
            "lines": [
                {
                    "line_number": line.line_number,
                    "sku": line.product.sku,
                    "quantity": _text(line.quantity),
                    "confirmed_quantity": _text(line.confirmed_quantity),
                    "status": line.status,
                    "reason": line.status_reason,
                }
                for line in order.lines.all()
            ],
            "shipments": [shipment_view(shipment, skus) for shipment in order.shipments.all()],
            "invoices": [invoice_view(invoice) for invoice in order.invoices.all()],
        },
    }


def _text(value) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _queued(delivery: Delivery, message: str) -> None:
    delivery_enqueue(delivery=delivery)
    trace_record(
        subject_type="order",
        subject_key=delivery.subject_key,
        stage="route",
        delivery=delivery,
        message=message,
    )


@transaction.atomic
def partner_webhooks_replay(*, partner, since: datetime, until: datetime) -> list[Delivery]:
    """Send a partner's events first queued in [since, until) again, each as a new message."""
    _replay_range_check(since, until)
    hook = PartnerWebhook.objects.filter(system=partner, is_active=True).first()
    if hook is None:
        raise Conflict(
            "No active webhook endpoint is configured for you; ask the hub's integration admin.",
            code="webhook_not_configured",
        )
    originals = list(
        Delivery.objects.filter(
            flow__code=WEBHOOK_FLOW,
            target_system=partner,
            created_at__gte=since,
            created_at__lt=until,
        )
        .exclude(idempotency_key__startswith=REPLAY_PREFIX)
        .select_related("flow")
        .order_by("pk")[: MAX_REPLAY + 1]
    )
    if len(originals) > MAX_REPLAY:
        raise ValidationFailed(
            f"More than {MAX_REPLAY} events in that range; replay a shorter one.",
            code="replay_too_large",
            fields={"until": [f"At most {MAX_REPLAY} events per replay."]},
        )
    now = timezone.now()
    copies = Delivery.objects.bulk_create([_copy(original, now) for original in originals])
    for copy, original in zip(copies, originals, strict=True):
        _queued(copy, f"Event {original.idempotency_key} sent again at {partner.code}'s request.")
    return copies


def _replay_range_check(since: datetime, until: datetime) -> None:
    if since >= until:
        raise ValidationFailed(
            "`since` must be before `until`.", fields={"since": ["Must be before until."]}
        )
    if until - since > MAX_REPLAY_RANGE:
        raise ValidationFailed(
            f"Replay at most {MAX_REPLAY_RANGE.days} days at a time.",
            code="replay_too_large",
            fields={"until": [f"At most {MAX_REPLAY_RANGE.days} days after since."]},
        )


def _copy(original: Delivery, now: datetime) -> Delivery:
    return Delivery(
        flow=original.flow,
        target_system_id=original.target_system_id,
        subject_type=original.subject_type,
        subject_key=original.subject_key,
        path=original.path,
        payload=original.payload,
        idempotency_key=f"{REPLAY_PREFIX}{uuid.uuid4().hex}",
        line_key=original.line_key,
        next_attempt_at=now,
    )
