"""Evidence pack: one zip per flow with what its operators must keep and show an auditor.

Sample payloads as received, mapping and validation decisions, schema versions (files and
changes), alert examples, the runbook with its versions, the last reconciliation report, the
expected business status after success and after failure, and the ownership answers.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime
from pathlib import Path

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q
from django.utils import timezone

from apps.exchange.models import Envelope, EnvelopeStatus, TraceEvent
from apps.flows import schemas
from apps.flows.models import Flow
from apps.monitoring.models import AlertRule, Runbook, SchemaChange
from apps.monitoring.runbooks import expected_status
from apps.operations.models import Alert
from apps.ownership.models import FieldOwnership
from apps.reconciliation.models import Mismatch, ReconciliationRun

SAMPLES = 5
SCHEMA_DIR = Path(schemas.__file__).parent


def evidence_pack(*, flow: Flow, now: datetime | None = None) -> tuple[str, bytes]:
    """The zip's file name and bytes."""
    now = now or timezone.now()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as pack:
        for name, content in evidence_files(flow=flow, now=now).items():
            pack.writestr(name, content)
    return f"evidence-{flow.code}-{now:%Y%m%d-%H%M%S}.zip", buffer.getvalue()


def evidence_files(*, flow: Flow, now: datetime) -> dict[str, str | bytes]:
    runbook = Runbook.objects.filter(flow=flow).first()
    current = runbook.current() if runbook else None
    expected = (
        {
            "expected_after_success": current.expected_after_success,
            "expected_after_failure": current.expected_after_failure,
        }
        if current and current.expected_after_success
        else expected_status(flow)
    )
    answers = ownership_answers(flow=flow)
    files: dict[str, str | bytes] = {
        "README.md": _readme(flow, now, expected, answers),
        "flow.json": _json(_flow_doc(flow)),
        "ownership.json": _json(answers),
        "expected_status.json": _json(expected),
        "mapping_decisions.json": _json(_decisions(flow)),
        "schema_changes.json": _json(_changes(flow)),
        "alerts.json": _json(_alerts(flow)),
        "runbook.md": _runbook_md(runbook),
        "reconciliation.json": _json(_reconciliation(flow)),
    }
    for path in sorted(SCHEMA_DIR.glob(f"{flow.code}-v*.json")):
        files[f"schemas/{path.name}"] = path.read_text()
    for envelope in _samples(flow):
        files[f"samples/{envelope.status}-{envelope.pk}.txt"] = bytes(envelope.raw)
    return files


def _json(document) -> str:
    return json.dumps(document, indent=2, cls=DjangoJSONEncoder, sort_keys=True)


def _flow_doc(flow: Flow) -> dict:
    return {
        "code": flow.code,
        "name": flow.name,
        "pattern": flow.pattern,
        "source": flow.source_system.code if flow.source_system_id else None,
        "target": flow.target_system.code if flow.target_system_id else None,
        "owner": {"name": flow.owner.name, "email": flow.owner.email},
        "schema_version": flow.schema_version,
        "mapping_version": flow.mapping_version,
        "freshness_sla": str(flow.freshness_sla),
        "resolution_sla": str(flow.resolution_sla),
        "retry": {
            "max_attempts": flow.max_attempts,
            "backoff_base_seconds": flow.backoff_base_seconds,
            "retry_window": str(flow.retry_window),
        },
        "degraded_mode": flow.degraded_mode,
        "state": flow.operating_state(),
    }


def _samples(flow: Flow) -> list[Envelope]:
    envelopes = Envelope.objects.filter(flow=flow).only("pk", "status", "raw")
    accepted = envelopes.filter(status=EnvelopeStatus.ACCEPTED).order_by("-pk")[:SAMPLES]
    rejected = envelopes.filter(status=EnvelopeStatus.REJECTED).order_by("-pk")[:SAMPLES]
    return [*accepted, *rejected]


def _decisions(flow: Flow) -> list[dict]:
    """What the pipeline decided about this flow's records: map, validate, ownership, hold."""
    events = TraceEvent.objects.filter(Q(envelope__flow=flow) | Q(delivery__flow=flow))
    events = events.order_by("-created_at", "-id")[:100]
    return [
        {
            "at": e.created_at,
            "subject": f"{e.subject_type} {e.subject_key}",
            "stage": e.stage,
            "outcome": e.outcome,
            "message": e.message,
            "data": e.data,
            "trace_id": e.trace_id,
        }
        for e in events
    ]


def _changes(flow: Flow) -> list[dict]:
    return [
        {
            "field": c.field,
            "from": c.from_version,
            "to": c.to_version,
            "status": c.status,
            "impact": c.impact,
            "requested_at": c.created_at,
            "reviewed_at": c.reviewed_at,
            "reviewed_by": c.reviewed_by.get_username() if c.reviewed_by else None,
        }
        for c in SchemaChange.objects.filter(flow=flow).select_related("reviewed_by")
    ]


def _alerts(flow: Flow) -> list[dict]:
    alerts = Alert.objects.filter(Q(flow=flow) | Q(quarantine_item__flow=flow))
    return [
        {
            "raised": a.created_at,
            "kind": a.kind,
            "state": a.state,
            "message": a.message,
            "owner": a.owner.name,
            "value_at_stake": a.value_at_stake,
            "lines_at_stake": a.lines_at_stake,
            "acknowledged_by": a.acknowledged_by.get_username() if a.acknowledged_by else None,
            "resolved_at": a.resolved_at,
            "resolution": a.resolution,
        }
        for a in alerts.select_related("owner", "acknowledged_by")[:20]
    ]


def _runbook_md(runbook: Runbook | None) -> str:
    if runbook is None:
        return "No runbook yet.\n"
    versions = list(runbook.versions.order_by("-number"))
    if not versions:
        return f"# {runbook.title}\n\nNo version published yet.\n"
    v = versions[0]
    history = "\n".join(f"- v{o.number} {o.created_at:%Y-%m-%d}: {o.note}" for o in versions)
    return (
        f"# {runbook.title} (v{v.number})\n\n## Likely cause\n{v.likely_cause}\n\n"
        f"## Recovery steps\n{v.recovery_steps}\n\n## Escalation\n{v.escalation}\n\n"
        f"## Commands\n```\n{v.commands}\n```\n\n## Versions\n{history}\n"
    )


def _reconciliation(flow: Flow) -> dict:
    mismatches = Mismatch.objects.filter(quarantine_item__flow=flow).select_related("run")
    last = mismatches.order_by("-run__created_at").first()
    run = last.run if last else ReconciliationRun.objects.order_by("-created_at").first()
    if run is None:
        return {"last_run": None, "note": "No reconciliation has run yet."}
    return {
        "last_run": {
            "name": run.name,
            "status": run.status,
            "at": run.created_at,
            "matched": run.matched_count,
            "mismatches": run.mismatch_count,
            "value_at_stake": run.value_at_stake,
            "counts": run.counts,
        },
        "this_flow": [
            {"key": m.key, "kind": m.kind, "effect": m.effect, "resolved_at": m.resolved_at}
            for m in mismatches.filter(run=run)[:50]
        ],
    }


def ownership_answers(*, flow: Flow) -> dict:
    """Who corrects a product that fails validation, who decides retry or repair, who owns
    reconciliation: from the ownership matrix, the flow's alert rules and its owner."""

    def person(owner) -> dict | None:
        return {"name": owner.name, "email": owner.email, "area": owner.area} if owner else None

    product = FieldOwnership.objects.filter(entity="product").select_related("business_owner")
    retry_rule = (
        AlertRule.objects.filter(flow=flow, kind="dead_letters").select_related("owner").first()
    )
    reconciler = (
        Mismatch.objects.filter(quarantine_item__flow=flow, owner__isnull=False)
        .select_related("owner")
        .first()
    )
    return {
        "who corrects a product that fails validation": sorted(
            {row.business_owner.name for row in product}
        )
        or [flow.owner.name],
        "who decides retry versus repair": person(retry_rule.owner if retry_rule else flow.owner),
        "who owns reconciliation": person(reconciler.owner if reconciler else flow.owner),
        "escalation": flow.owner.escalation_contact or None,
    }


def _readme(flow: Flow, now: datetime, expected: dict, answers: dict) -> str:
    lines = [
        f"# Evidence pack: {flow.name} ({flow.code})",
        f"Written {now:%Y-%m-%d %H:%M %Z} by the integration hub.",
        "",
        f"Owner: {flow.owner.name} <{flow.owner.email}>. Schema v{flow.schema_version}, "
        f"mapping v{flow.mapping_version}.",
        "",
        "## Expected business status",
        f"- After success: {expected['expected_after_success']}",
        f"- After failure: {expected['expected_after_failure']}",
        "",
        "## Ownership answers",
        *[f"- {question}: {_answer(answer)}" for question, answer in answers.items()],
        "",
        "## Files",
        "- samples/: payloads exactly as received (accepted and rejected)",
        "- mapping_decisions.json: the pipeline's decisions per record, with trace ids",
        "- schemas/ and schema_changes.json: schema files and reviewed version changes",
        "- alerts.json, runbook.md, reconciliation.json, flow.json",
    ]
    return "\n".join(lines) + "\n"


def _answer(answer) -> str:
    if isinstance(answer, dict):
        return f"{answer['name']} <{answer['email']}>"
    if isinstance(answer, list):
        return ", ".join(answer)
    return str(answer or "-")
