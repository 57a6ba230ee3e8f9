"""Each alert rule kind raises when its condition holds and clears when it no longer does."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.core.errors import InvalidTransition
from apps.exchange.models import DeliveryStatus, SyncStatus
from apps.monitoring.alerting import (
    alert_acknowledge,
    alert_resolve,
    alert_snooze,
    rules_evaluate,
)
from apps.monitoring.choices import RuleKind
from apps.monitoring.forms import AlertRuleForm
from apps.monitoring.models import AlertRule
from apps.operations.models import Alert, AlertStatus
from apps.quarantine.choices import ReasonCode
from apps.quarantine.models import QuarantineItem, QuarantineStatus
from tests.monitoring.conftest import flow, hold, mismatch, overdue_delivery, sync_run

pytestmark = pytest.mark.django_db


def rule_alert(kind: str, code: str = "order-capture") -> Alert | None:
    return Alert.objects.filter(rule__kind=kind, flow__code=code).order_by("-pk").first()


def settle(item: QuarantineItem) -> None:
    QuarantineItem.objects.filter(pk=item.pk).update(status=QuarantineStatus.DISCARDED)


def test_quarantined_rule_raises_with_value_at_stake_and_clears(rules, mailoutbox):
    item = hold()
    assert rules_evaluate()["raised"] >= 1
    alert = rule_alert(RuleKind.QUARANTINED)
    assert alert.status == AlertStatus.OPEN
    assert alert.value_at_stake == Decimal("52.00") and alert.lines_at_stake == 2
    assert alert.owner == flow().owner and "Otto Orderdesk" in alert.message
    assert alert.runbook_url.endswith("/ops/flows/order-capture/runbook/")
    assert rules_evaluate()["raised"] == 0  # one open alert per rule, not one per poll
    settle(item)
    rules_evaluate()
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLOSED and alert.resolved_by is None
    assert alert.resolution.startswith("Cleared by the hub")


def test_below_threshold_raises_nothing(cast):
    AlertRule.objects.filter(kind=RuleKind.QUARANTINED).update(threshold=2)
    hold()
    rules_evaluate()
    assert rule_alert(RuleKind.QUARANTINED) is None
    hold(key="O-2")
    rules_evaluate()
    assert rule_alert(RuleKind.QUARANTINED).status == AlertStatus.OPEN


def test_dead_letter_rule_raises_and_clears(cast):
    item = hold(reason=ReasonCode.DELIVERY_FAILED)
    rules_evaluate()
    assert rule_alert(RuleKind.DEAD_LETTERS).status == AlertStatus.OPEN
    assert rule_alert(RuleKind.QUARANTINED) is None  # a dead letter is not a rejected record
    settle(item)
    rules_evaluate()
    assert rule_alert(RuleKind.DEAD_LETTERS).status == AlertStatus.CLOSED


def test_sync_delay_past_the_sla_raises_and_clears(cast):
    delivery = overdue_delivery("inventory-update", late_by=timedelta(minutes=5))
    rules_evaluate()
    alert = rule_alert(RuleKind.SYNC_DELAY, "inventory-update")
    assert alert.status == AlertStatus.OPEN and "freshness SLA of 5 min" in alert.message
    delivery.status = DeliveryStatus.DELIVERED
    delivery.save()
    rules_evaluate()
    assert rule_alert(RuleKind.SYNC_DELAY, "inventory-update").status == AlertStatus.CLOSED


def test_sync_delay_within_the_sla_raises_nothing(cast):
    overdue_delivery("inventory-update", late_by=-timedelta(minutes=2))
    rules_evaluate()
    assert rule_alert(RuleKind.SYNC_DELAY, "inventory-update") is None


def test_failed_sync_run_raises_and_a_good_run_clears(cast):
    sync_run("catalog-sync", SyncStatus.FAILED)
    rules_evaluate()
    assert rule_alert(RuleKind.SYNC_FAILED, "catalog-sync").status == AlertStatus.OPEN
    later = sync_run("catalog-sync", SyncStatus.SUCCEEDED)
    later.started_at = timezone.now() + timedelta(seconds=1)
    later.save()
    rules_evaluate()
    assert rule_alert(RuleKind.SYNC_FAILED, "catalog-sync").status == AlertStatus.CLOSED


def test_reconciliation_mismatch_raises_with_its_value_and_clears(cast):
    found = mismatch()
    rules_evaluate()
    alert = rule_alert(RuleKind.RECONCILIATION)
    assert alert.status == AlertStatus.OPEN and alert.value_at_stake == Decimal("10.00")
    found.resolved_at = timezone.now()
    found.save()
    rules_evaluate()
    assert rule_alert(RuleKind.RECONCILIATION).status == AlertStatus.CLOSED


def test_stuck_approval_raises_past_the_resolution_sla_and_clears(cast):
    item = hold()
    QuarantineItem.objects.filter(pk=item.pk).update(
        status=QuarantineStatus.AWAITING_APPROVAL, updated_at=timezone.now() - timedelta(days=2)
    )
    rules_evaluate()
    assert rule_alert(RuleKind.STUCK_APPROVALS).status == AlertStatus.OPEN
    settle(item)
    rules_evaluate()
    assert rule_alert(RuleKind.STUCK_APPROVALS).status == AlertStatus.CLOSED


def test_inactive_rule_raises_nothing(cast):
    AlertRule.objects.filter(kind=RuleKind.DEAD_LETTERS).update(is_active=False)
    hold(reason=ReasonCode.DELIVERY_FAILED)
    rules_evaluate()
    assert rule_alert(RuleKind.DEAD_LETTERS) is None


def test_rule_without_owner_cannot_be_saved_by_form_or_model(cast):
    data = {
        "flow": flow().pk,
        "kind": RuleKind.QUARANTINED,
        "threshold": "1",
        "escalate_after": "01:00:00",
        "is_active": "on",
    }
    AlertRule.objects.filter(flow=flow(), kind=RuleKind.QUARANTINED).delete()
    form = AlertRuleForm(data=data)
    assert not form.is_valid()
    assert "decision authority" in form.errors["owner"][0]
    with pytest.raises(ValidationError, match="decision authority"):
        AlertRule(flow=flow(), kind=RuleKind.QUARANTINED).full_clean()
    assert AlertRuleForm(data=data | {"owner": flow().owner.pk}).is_valid()


def test_escalates_once_when_not_acknowledged_in_time(rules, mailoutbox):
    hold()
    rules_evaluate()
    alert = rule_alert(RuleKind.QUARANTINED)
    assert rules_evaluate(now=timezone.now() + timedelta(minutes=30))["escalated"] == 0
    later = timezone.now() + timedelta(hours=2)
    assert rules_evaluate(now=later)["escalated"] == 1
    assert rules_evaluate(now=later)["escalated"] == 0
    alert.refresh_from_db()
    assert alert.escalated_at is not None


def test_acknowledged_alert_does_not_escalate(rules, cast):
    hold()
    rules_evaluate()
    alert_acknowledge(alert=rule_alert(RuleKind.QUARANTINED), actor=cast.user("orderdesk"))
    assert rules_evaluate(now=timezone.now() + timedelta(hours=2))["escalated"] == 0


def test_acknowledge_snooze_resolve_keep_who_and_when(rules, cast):
    hold()
    rules_evaluate()
    otto = cast.user("orderdesk")
    alert = alert_acknowledge(alert=rule_alert(RuleKind.QUARANTINED), actor=otto)
    assert alert.acknowledged_by == otto and alert.state == "acknowledged"
    alert = alert_snooze(alert=alert, actor=otto, hours=4)
    assert alert.state == "snoozed" and alert.snoozed_by == otto
    with pytest.raises(InvalidTransition):
        alert_snooze(alert=alert, actor=otto, hours=500)
    alert = alert_resolve(alert=alert, actor=otto, note="price list fixed")
    assert alert.state == "resolved" and alert.resolved_by == otto
    assert alert.resolution == "price list fixed"
    with pytest.raises(InvalidTransition):
        alert_acknowledge(alert=alert, actor=otto)
    # Resolved while the record still waits: the next evaluation raises it again.
    rules_evaluate()
    assert rule_alert(RuleKind.QUARANTINED).pk != alert.pk
