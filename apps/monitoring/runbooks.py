"""Runbooks as versioned records: publishing writes a new version, never edits an old one."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max

from apps.flows.models import Flow
from apps.monitoring.models import Runbook, RunbookVersion


@transaction.atomic
def runbook_publish(
    *,
    flow: Flow,
    likely_cause: str,
    recovery_steps: str,
    escalation: str,
    commands: str = "",
    expected_after_success: str = "",
    expected_after_failure: str = "",
    note: str = "",
    actor=None,
) -> RunbookVersion:
    """Publish the next version of the flow's runbook (creating the runbook on first use)."""
    runbook, _ = Runbook.objects.get_or_create(flow=flow, defaults={"title": f"{flow.name}"})
    runbook = Runbook.objects.select_for_update().get(pk=runbook.pk)
    last = runbook.versions.aggregate(n=Max("number"))["n"] or 0
    return RunbookVersion.objects.create(
        runbook=runbook,
        number=last + 1,
        likely_cause=likely_cause,
        recovery_steps=recovery_steps,
        escalation=escalation,
        commands=commands,
        expected_after_success=expected_after_success,
        expected_after_failure=expected_after_failure,
        note=note,
        author=actor,
    )


def runbook_seed_from_flow(*, flow: Flow) -> RunbookVersion | None:
    """Version 1 from the flow's free-text runbook; a flow that already has one is left alone."""
    if Runbook.objects.filter(flow=flow, versions__isnull=False).exists():
        return None
    owner = flow.owner
    escalation = f"{owner.name} <{owner.email}> decides retry or repair"
    if owner.escalation_contact:
        escalation += f"; escalate to {owner.escalation_contact}"
    return runbook_publish(
        flow=flow,
        likely_cause=_likely_cause(flow),
        recovery_steps=flow.runbook,
        escalation=escalation + ".",
        commands="\n".join(
            [
                f"python manage.py flow pause {flow.code}",
                f"python manage.py flow replay {flow.code} --since <from> --until <to>",
                f"python manage.py flow resume {flow.code}",
                f"python manage.py evidence {flow.code}",
            ]
        ),
        **expected_status(flow),
        note="Seeded from the flow's runbook text.",
    )


def _likely_cause(flow: Flow) -> str:
    target = flow.target_system.name if flow.target_system_id else "the hub"
    source = flow.source_system.name if flow.source_system_id else "the sending partner"
    return (
        f"{target} refuses or is unreachable (maintenance window, credentials, rate limit); "
        f"{source} sends records that fail validation or the ownership matrix; "
        f"a schema or mapping change was made on one side only."
    )


# What "done" and "failed" mean for a record, by the flow's pattern; a runbook version may
# say it more precisely for its flow.
EXPECTED = {
    "real_time": (
        "The record is applied in the hub and accepted by {target}; the sender's answer says so.",
        "The record is quarantined for {owner}; the sender is told it is held, {owner} is "
        "alerted, nothing reaches {target} until the correction is approved and replayed.",
    ),
    "events": (
        "{target} shows the change within the freshness SLA ({sla}).",
        "The event is kept as received; a record it cannot apply waits in quarantine for "
        "{owner}; a delivery {target} refuses becomes a dead letter and alerts {owner}.",
    ),
    "batch": (
        "The run finishes with every record applied or unchanged; {target} is no older than "
        "its freshness SLA ({sla}).",
        "The run stops at its last committed page and resumes from its cursor; records that "
        "fail validation wait in quarantine for {owner}; a failed run alerts {owner}.",
    ),
}


def expected_status(flow: Flow) -> dict:
    """The expected business status after success and after failure, in the flow's words."""
    kind = flow.pattern if flow.pattern in EXPECTED else "batch"
    if flow.pattern == "session":
        kind = "real_time"
    words = {
        "target": flow.target_system.name if flow.target_system_id else "the hub",
        "owner": flow.owner.name,
        "sla": flow.freshness_sla,
    }
    success, failure = EXPECTED[kind]
    return {
        "expected_after_success": success.format(**words),
        "expected_after_failure": failure.format(**words),
    }
