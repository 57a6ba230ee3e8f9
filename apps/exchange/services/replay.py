"""Replays approved by a second person: the corrected record runs the pipeline again."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from apps.core.errors import ValidationFailed
from apps.exchange.models import Delivery, DeliveryStatus, TraceOutcome
from apps.exchange.services.delivery import delivery_enqueue
from apps.exchange.services.order_intake import order_route
from apps.exchange.services.order_pipeline import order_validate
from apps.exchange.services.record_replay import record_replay
from apps.exchange.services.trace import trace_record
from apps.flows.selectors import flow_require_active
from apps.orders.models import Order, OrderStatus
from apps.orders.services import order_reprice_lines, order_transition
from apps.quarantine.models import QuarantineItem
from apps.quarantine.services import quarantine_record_approval, quarantine_reopen


@transaction.atomic
def replay_approve(*, item: QuarantineItem, actor, note: str = "") -> QuarantineItem:
    """Approve a corrected item's replay (never its corrector's own) and run it again."""
    flow_require_active(flow=item.flow)  # nothing new enters a deactivated flow
    item = quarantine_record_approval(item=item, actor=actor, note=note)
    trace_record(
        subject_type=item.subject_type,
        subject_key=item.subject_key,
        stage="approve",
        actor=actor,
        message=f"{actor.get_username()} approved the replay. {note}".strip(),
        data={"quarantine_item": item.pk, "corrected_by": item.corrected_by_id},
    )
    if item.reason_code == "delivery_failed":
        _redeliver(item, actor)
    elif item.reason_code in ("ownership_refused", "possible_duplicate"):
        record_replay(item=item, actor=actor)
    elif item.subject_type == "order":
        _replay_order(item, actor)
    else:
        raise ValidationFailed(f"No replay is defined for {item.subject_type} items.")
    return item


def _replay_order(item: QuarantineItem, actor) -> None:
    order = Order.objects.select_related("source_system").get(number=item.subject_key)
    document = item.corrected_payload or item.payload
    verdict = order_validate(document=document, writer=order.source_system)
    if verdict.problems:
        quarantine_reopen(
            item=item,
            problems=verdict.problems,
            message="The replay still breaks the ownership matrix.",
        )
        trace_record(
            subject_type="order",
            subject_key=order.number,
            stage="replay",
            outcome=TraceOutcome.FAILED,
            actor=actor,
            message="Replay re-validated and went back to its owner.",
            data={"problems": verdict.problems},
        )
        return
    prices = {line["line_number"]: line["unit_price"] for line in verdict.document["lines"]}
    order_reprice_lines(order=order, prices=prices)
    order = order_transition(
        order=order, from_statuses=[OrderStatus.QUARANTINED], to_status=OrderStatus.RECEIVED
    )
    trace_record(
        subject_type="order",
        subject_key=order.number,
        stage="replay",
        actor=actor,
        message="Corrected order passed validation and is on its way to the ERP.",
        data={"document": verdict.document},
    )
    order_route(order=order, flow=item.flow, document=verdict.document)


def _redeliver(item: QuarantineItem, actor) -> None:
    delivery = Delivery.objects.select_related("flow").get(pk=item.problems[0]["delivery"])
    if item.corrected_payload:
        delivery.payload = item.corrected_payload
    delivery.status, delivery.attempts = DeliveryStatus.PENDING, 0
    delivery.next_attempt_at = timezone.now()
    delivery.save(update_fields=["payload", "status", "attempts", "next_attempt_at", "updated_at"])
    trace_record(
        subject_type=item.subject_type,
        subject_key=item.subject_key,
        stage="replay",
        actor=actor,
        delivery=delivery,
        message="Dead letter queued for delivery again.",
    )
    delivery_enqueue(delivery=delivery)
