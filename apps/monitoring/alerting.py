"""Alert rules: evaluate each flow's failure modes, raise, escalate, and clear alerts.

One open alert per rule at a time. It is raised when the rule's reading reaches its threshold,
closed by the hub when the reading falls back below it, and acknowledged, snoozed or resolved
by a person (who and when are kept on the alert).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apps.core.errors import InvalidTransition
from apps.flows.models import Flow
from apps.monitoring.choices import RuleKind
from apps.monitoring.models import AlertRule
from apps.monitoring.notify import alert_notify
from apps.monitoring.readings import FlowReadings, Held, readings_for
from apps.operations.models import Alert, AlertStatus


@dataclass
class Reading:
    """A rule's value now, and what the failure holds up."""

    value: Decimal
    held: Held
    summary: str


def reading_of(kind: str, flow: Flow, r: FlowReadings) -> Reading:
    """The number a rule of `kind` compares with its threshold."""
    if kind == RuleKind.SYNC_DELAY:
        percent = (r.delay / flow.freshness_sla * 100) if r.delay else 0
        summary = (
            f"sync delay {_human(r.delay)} against a freshness SLA of {_human(flow.freshness_sla)}"
        )
        return Reading(Decimal(round(percent, 2)), Held(count=r.queue_depth), summary)
    if kind == RuleKind.SYNC_FAILED:
        failed = r.last_run_status == "failed"
        return Reading(Decimal(int(failed)), Held(count=int(failed)), "the last batch run failed")
    held = {
        RuleKind.QUARANTINED: r.quarantined,
        RuleKind.DEAD_LETTERS: r.dead_letters,
        RuleKind.RECONCILIATION: r.mismatches,
        RuleKind.STUCK_APPROVALS: r.stuck_approvals,
    }[kind]
    summary = f"{held.count} {RuleKind(kind).label.split(' (')[0].lower()}"
    return Reading(Decimal(held.count), held, summary)


def _human(delta: timedelta | None) -> str:
    if delta is None:
        return "none"
    minutes = int(delta.total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} min"
    hours = minutes // 60
    return f"{hours} h" if hours < 48 else f"{hours // 24} days"


def rules_evaluate(*, flow_ids: list[int] | None = None, now: datetime | None = None) -> dict:
    """Raise alerts for rules whose condition holds, close those that cleared, escalate."""
    now = now or timezone.now()
    rules = AlertRule.objects.filter(is_active=True).select_related(
        "flow", "owner", "escalate_to", "runbook__flow"
    )
    if flow_ids is not None:
        rules = rules.filter(flow_id__in=flow_ids)
    rules = list(rules)
    readings = readings_for({rule.flow for rule in rules}, now=now)
    open_alerts = {
        alert.rule_id: alert
        for alert in Alert.objects.filter(status=AlertStatus.OPEN, rule__in=rules)
    }
    counts = {"raised": 0, "cleared": 0, "escalated": 0}
    for rule in rules:
        reading = reading_of(rule.kind, rule.flow, readings[rule.flow_id])
        alert = open_alerts.get(rule.pk)
        if reading.value >= rule.threshold and reading.value > 0:
            if alert is None:
                alert_raise_for_rule(rule=rule, reading=reading)
                counts["raised"] += 1
            elif alert_escalate_if_due(alert=alert, rule=rule, now=now):
                counts["escalated"] += 1
        elif alert is not None:
            alert_clear(alert=alert, why=f"Cleared by the hub: {reading.summary}.", now=now)
            counts["cleared"] += 1
    return counts


def runbook_link(rule: AlertRule) -> str:
    path = reverse("monitoring:flow_runbook", args=[rule.flow.code])
    return settings.HUB_PUBLIC_URL + path


@transaction.atomic
def alert_raise_for_rule(*, rule: AlertRule, reading: Reading) -> Alert:
    """Raise the rule's alert with its value at stake; e-mail and webhook go on commit."""
    flow = rule.flow
    value = reading.held.value
    stake = f" Holds {value:,.2f} in order value, {reading.held.lines} lines." if value else ""
    alert = Alert.objects.create(
        kind=rule.kind,
        rule=rule,
        flow=flow,
        subject_type="flow",
        subject_key=flow.code,
        owner=rule.owner,
        message=(
            f"{flow.name}: {reading.summary} (threshold {rule.threshold:g}).{stake} "
            f"Decides: {rule.owner.name} <{rule.owner.email}>."
        ),
        runbook_url=runbook_link(rule),
        value_at_stake=value,
        lines_at_stake=reading.held.lines,
    )
    subject = f"[hub] {flow.name}: {rule.get_kind_display().split(' (')[0]}"
    # Robust: a mail server or receiver that is down is logged; the alert row stands.
    transaction.on_commit(
        lambda: alert_notify(alert=alert, recipients=[rule.owner.email], subject=subject),
        robust=True,
    )
    return alert


def alert_escalate_if_due(*, alert: Alert, rule: AlertRule, now: datetime) -> bool:
    """Tell the escalation contact once, when the owner has not acknowledged in time."""
    if alert.acknowledged_at or alert.escalated_at or alert.is_snoozed():
        return False
    if now - alert.created_at < rule.escalate_after:
        return False
    contact = rule.escalate_to.email if rule.escalate_to else rule.owner.escalation_contact
    if not contact:
        return False
    changed = Alert.objects.filter(pk=alert.pk, escalated_at__isnull=True).update(escalated_at=now)
    if changed:
        alert.escalated_at = now
        subject = f"[hub] escalated: {alert.message[:80]}"
        transaction.on_commit(
            lambda: alert_notify(alert=alert, recipients=[contact], subject=subject), robust=True
        )
    return bool(changed)


def alert_clear(*, alert: Alert, why: str, now: datetime | None = None) -> Alert:
    """The condition no longer holds: close the alert, saying so."""
    now = now or timezone.now()
    Alert.objects.filter(pk=alert.pk, status=AlertStatus.OPEN).update(
        status=AlertStatus.CLOSED, resolved_at=now, resolution=why[:300], updated_at=now
    )
    alert.refresh_from_db()
    return alert


def _locked_open(alert: Alert) -> Alert:
    locked = Alert.objects.select_for_update().get(pk=alert.pk)
    if locked.status != AlertStatus.OPEN:
        raise InvalidTransition(f"Alert {alert.pk} is already resolved.")
    return locked


@transaction.atomic
def alert_acknowledge(*, alert: Alert, actor) -> Alert:
    """The owner has seen it and is on it: escalation stops."""
    locked = _locked_open(alert)
    locked.acknowledged_at, locked.acknowledged_by = timezone.now(), actor
    locked.save(update_fields=["acknowledged_at", "acknowledged_by", "updated_at"])
    return locked


@transaction.atomic
def alert_snooze(*, alert: Alert, actor, hours: int) -> Alert:
    """Quiet until later: off the badge and no escalation until `hours` have passed."""
    if not 1 <= hours <= 72:
        raise InvalidTransition("An alert may be snoozed for 1 to 72 hours.")
    locked = _locked_open(alert)
    locked.snoozed_until, locked.snoozed_by = timezone.now() + timedelta(hours=hours), actor
    locked.save(update_fields=["snoozed_until", "snoozed_by", "updated_at"])
    return locked


@transaction.atomic
def alert_resolve(*, alert: Alert, actor, note: str = "") -> Alert:
    """A person closes it; if the condition still holds, the next evaluation raises it again."""
    locked = _locked_open(alert)
    locked.status, locked.resolved_at, locked.resolved_by = (
        AlertStatus.CLOSED,
        timezone.now(),
        actor,
    )
    locked.resolution = (note or f"Resolved by {actor}")[:300]
    locked.save(update_fields=["status", "resolved_at", "resolved_by", "resolution", "updated_at"])
    return locked
