"""The replay stage: a quarantined item, corrected by its owner and approved by a second
person, runs again. A dead letter is delivered again here; anything else goes back through
its flow's handler, which knows what the correction means."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from apps.exchange.handlers import handler_for
from apps.exchange.models import Delivery, DeliveryStatus
from apps.exchange.stages.deliver import DEAD_LETTER
from apps.exchange.stages.route import delivery_enqueue
from apps.exchange.stages.trace import trace_record
from apps.flows.selectors import flow_require_active
from apps.quarantine.models import QuarantineItem
from apps.quarantine.services import quarantine_record_approval


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
    if item.reason_code == DEAD_LETTER:
        _redeliver(item, actor)
    else:
        handler_for(item.flow.code).replay(item=item, actor=actor)
    return item


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
