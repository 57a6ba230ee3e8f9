"""Demo monitoring: a versioned runbook per flow and the alert rules of every built flow."""

from __future__ import annotations

from datetime import timedelta

from apps.flows.models import Flow, FlowPattern
from apps.monitoring.choices import RuleKind
from apps.monitoring.models import AlertRule, Runbook
from apps.monitoring.runbooks import runbook_seed_from_flow

BATCH = [FlowPattern.BATCH_PULL, FlowPattern.SCHEDULED_BATCH, FlowPattern.BATCH_AND_EVENTS]
# Thresholds on-call agreed with the owners: one dead letter is already a customer waiting.
THRESHOLDS = {
    RuleKind.QUARANTINED: 3,
    RuleKind.DEAD_LETTERS: 1,
    RuleKind.SYNC_DELAY: 100,
    RuleKind.SYNC_FAILED: 1,
    RuleKind.RECONCILIATION: 1,
    RuleKind.STUCK_APPROVALS: 1,
}


def monitoring_seed() -> dict:
    """Runbooks from each flow's text and rules for built flows; safe to run again."""
    rules = 0
    for flow in Flow.objects.select_related("owner", "source_system", "target_system"):
        runbook_seed_from_flow(flow=flow)
        if not flow.is_built():
            continue
        for kind, threshold in THRESHOLDS.items():
            if kind == RuleKind.SYNC_FAILED and flow.pattern not in BATCH:
                continue
            AlertRule.objects.get_or_create(
                flow=flow,
                kind=kind,
                defaults={
                    "threshold": threshold,
                    "owner": flow.owner,
                    "escalate_after": timedelta(hours=1),
                    "runbook": Runbook.objects.get(flow=flow),
                },
            )
            rules += 1
    return {"runbooks": Runbook.objects.count(), "alert_rules": rules}
