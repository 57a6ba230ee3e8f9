"""Alerts: raised for work that waits on a person, sent to the owner, closed when it is done.

Per-item alerts (one per quarantined record) live here; flow-wide alert rules (dead letters,
sync delay, failed runs, mismatches) in apps/monitoring/alerting.py. Both notify through
apps/monitoring/notify.py: e-mail and the signed webhook.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apps.monitoring.notify import alert_notify
from apps.operations.models import Alert, AlertStatus
from apps.quarantine.models import QuarantineItem, QuarantineStatus
from apps.quarantine.selectors import effect_of

OPEN_ITEM_STATUSES = [QuarantineStatus.OPEN, QuarantineStatus.AWAITING_APPROVAL]


def alerts_evaluate() -> int:
    """Raise one alert per newly quarantined record and close those whose item is settled."""
    raised = 0
    waiting = QuarantineItem.objects.filter(status__in=OPEN_ITEM_STATUSES, alert__isnull=True)
    for item in waiting.select_related("flow", "assigned_owner"):
        alert_raise_for_item(item=item)
        raised += 1
    now = timezone.now()
    Alert.objects.filter(status=AlertStatus.OPEN, quarantine_item__isnull=False).exclude(
        quarantine_item__status__in=OPEN_ITEM_STATUSES
    ).update(
        status=AlertStatus.CLOSED,
        resolved_at=now,
        resolution="Cleared by the hub: the item was settled.",
        updated_at=now,
    )
    # A replay that failed validation again reopens its item, and so its alert.
    Alert.objects.filter(
        status=AlertStatus.CLOSED, quarantine_item__status=QuarantineStatus.OPEN
    ).update(status=AlertStatus.OPEN, resolved_at=None, resolved_by=None, resolution="")
    return raised


@transaction.atomic
def alert_raise_for_item(*, item: QuarantineItem) -> Alert:
    """Alert the item's owner, naming them and linking the flow's runbook."""
    # The flow's runbook page; it links the versioned runbook (apps/monitoring).
    runbook = settings.HUB_PUBLIC_URL + reverse("monitoring:flow_runbook", args=[item.flow.code])
    owner = item.assigned_owner
    effect = effect_of(item)
    message = (
        f"{item.subject_type} {item.subject_key} is quarantined ({item.reason_code}): "
        f"{item.message} Owner: {owner.name} <{owner.email}>."
    )
    alert = Alert.objects.create(
        kind="quarantined",
        subject_type=item.subject_type,
        subject_key=item.subject_key,
        quarantine_item=item,
        flow=item.flow,
        owner=owner,
        message=message,
        runbook_url=runbook,
        value_at_stake=effect.value or 0,
        lines_at_stake=effect.lines,
    )
    recipients = [owner.email] + ([owner.escalation_contact] if owner.escalation_contact else [])
    subject = f"[hub] {item.subject_type} {item.subject_key} needs you"
    # Robust: a mail server that is down is logged; the alert stands and the item waits.
    transaction.on_commit(
        lambda: alert_notify(alert=alert, recipients=recipients, subject=subject), robust=True
    )
    return alert
