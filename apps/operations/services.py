"""Alerts: raised for work that waits on a person, sent to the owner, closed when it is done."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse

from apps.operations.models import Alert, AlertStatus
from apps.quarantine.models import QuarantineItem, QuarantineStatus

OPEN_ITEM_STATUSES = [QuarantineStatus.OPEN, QuarantineStatus.AWAITING_APPROVAL]


def alerts_evaluate() -> int:
    """Raise one alert per newly quarantined record and close those whose item is settled."""
    raised = 0
    waiting = QuarantineItem.objects.filter(status__in=OPEN_ITEM_STATUSES, alert__isnull=True)
    for item in waiting.select_related("flow", "assigned_owner"):
        alert_raise_for_item(item=item)
        raised += 1
    Alert.objects.filter(status=AlertStatus.OPEN).exclude(
        quarantine_item__status__in=OPEN_ITEM_STATUSES
    ).update(status=AlertStatus.CLOSED)
    # A replay that failed validation again reopens its item, and so its alert.
    Alert.objects.filter(
        status=AlertStatus.CLOSED, quarantine_item__status=QuarantineStatus.OPEN
    ).update(status=AlertStatus.OPEN)
    return raised


@transaction.atomic
def alert_raise_for_item(*, item: QuarantineItem) -> Alert:
    """Alert the item's owner, naming them and linking the flow's runbook."""
    runbook = settings.HUB_PUBLIC_URL + reverse("operations:runbook", args=[item.flow.code])
    owner = item.assigned_owner
    message = (
        f"{item.subject_type} {item.subject_key} is quarantined ({item.reason_code}): "
        f"{item.message} Owner: {owner.name} <{owner.email}>."
    )
    alert = Alert.objects.create(
        kind="quarantined",
        subject_type=item.subject_type,
        subject_key=item.subject_key,
        quarantine_item=item,
        owner=owner,
        message=message,
        runbook_url=runbook,
    )
    recipients = [owner.email] + ([owner.escalation_contact] if owner.escalation_contact else [])
    transaction.on_commit(
        lambda: send_mail(
            subject=f"[hub] {item.subject_type} {item.subject_key} needs you",
            message=f"{message}\n\nRunbook: {runbook}",
            from_email=None,
            recipient_list=recipients,
        )
    )
    return alert
