"""The weekly operational review: one row per flow for the week, and the open questions.

Everything the review needs from the hub alone: failures, time to recovery, stale records,
manual interventions, mapping changes; and ownership questions nobody has answered yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import tablib
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q
from django.utils import timezone

from apps.exchange.models import Envelope, EnvelopeStatus, SyncRun, SyncStatus
from apps.flows.models import Flow
from apps.monitoring.choices import ChangeStatus
from apps.monitoring.models import SchemaChange
from apps.monitoring.readings import stale_deliveries
from apps.ownership.models import FieldOwnership
from apps.quarantine.choices import ReasonCode
from apps.quarantine.models import QuarantineAction, QuarantineItem, QuarantineStatus

WEEK = timedelta(days=7)
WAITING = [QuarantineStatus.OPEN, QuarantineStatus.AWAITING_APPROVAL]


@dataclass
class WeekRow:
    flow: Flow
    failures: int
    recovery: timedelta | None
    stale: int
    interventions: int
    mapping_changes: int

    @property
    def recovery_hours(self) -> float | None:
        return round(self.recovery.total_seconds() / 3600, 1) if self.recovery else None


@dataclass
class Question:
    text: str
    who: str
    link: str


def weekly_review(*, end: datetime | None = None) -> dict:
    """The week ending `end`: rows per built flow, and the open ownership questions."""
    end = end or timezone.now()
    start = end - WEEK
    flows = list(Flow.objects.filter(build_status="implemented").select_related("owner"))
    ids = [f.pk for f in flows]
    window = {"created_at__gte": start, "created_at__lt": end}
    held = _by(QuarantineItem.objects.filter(flow_id__in=ids, **window), "flow_id")
    rejected = _by(
        Envelope.objects.filter(flow_id__in=ids, status=EnvelopeStatus.REJECTED, **window),
        "flow_id",
    )
    failed_runs = _by(
        SyncRun.objects.filter(flow_id__in=ids, status=SyncStatus.FAILED, **window), "flow_id"
    )
    actions = _by(QuarantineAction.objects.filter(item__flow_id__in=ids, **window), "item__flow_id")
    changes = _by(SchemaChange.objects.filter(flow_id__in=ids, **window), "flow_id")
    recovery = _recovery(ids, start, end)
    stale = stale_deliveries(flows, now=end)
    rows = [
        WeekRow(
            flow=f,
            failures=held.get(f.pk, 0) + rejected.get(f.pk, 0) + failed_runs.get(f.pk, 0),
            recovery=recovery.get(f.pk),
            stale=stale.get(f.pk, 0),
            interventions=actions.get(f.pk, 0),
            mapping_changes=changes.get(f.pk, 0),
        )
        for f in flows
    ]
    return {"start": start, "end": end, "rows": rows, "questions": open_questions(now=end)}


def _by(queryset, key: str) -> dict:
    return {r[key]: r["n"] for r in queryset.values(key).annotate(n=Count("id")).order_by()}


def _recovery(ids, start, end) -> dict:
    settled = QuarantineItem.objects.filter(
        flow_id__in=ids,
        status=QuarantineStatus.RESOLVED,
        updated_at__gte=start,
        updated_at__lt=end,
    ).annotate(
        took=ExpressionWrapper(F("updated_at") - F("created_at"), output_field=DurationField())
    )
    totals: dict[int, list[timedelta]] = {}
    for flow_id, took in settled.values_list("flow_id", "took"):
        totals.setdefault(flow_id, []).append(took)
    return {k: sum(v, timedelta()) / len(v) for k, v in totals.items()}


def open_questions(*, now: datetime) -> list[Question]:
    """Decisions nobody has taken: unreviewed changes, unowned escalations, unclaimed items."""
    questions = [
        Question(
            f"{c.flow.code}: {c.get_field_display().lower()} {c.from_version} → {c.to_version} "
            "waits for review",
            c.flow.owner.name,
            f"/ops/changes/{c.pk}/",
        )
        for c in SchemaChange.objects.filter(status=ChangeStatus.PENDING).select_related(
            "flow__owner"
        )
    ]
    no_escalation = FieldOwnership.objects.filter(
        escalation_contact="", business_owner__escalation_contact=""
    ).select_related("business_owner")
    questions += [
        Question(
            f"{row.entity}.{row.field}: no escalation contact if {row.business_owner.name} is away",
            row.business_owner.name,
            f"/admin/ownership/fieldownership/{row.pk}/change/",
        )
        for row in no_escalation[:20]
    ]
    unclaimed = QuarantineItem.objects.filter(status__in=WAITING, assignee__isnull=True).filter(
        Q(reason_code=ReasonCode.OWNERSHIP_REFUSED) | Q(created_at__lt=now - WEEK)
    )
    questions += [
        Question(
            f"{item.flow.code}: {item.subject_type} {item.subject_key} ({item.reason_code}) "
            "has waited unclaimed",
            item.assigned_owner.name,
            f"/admin/quarantine/quarantineitem/{item.pk}/review/",
        )
        for item in unclaimed.select_related("flow", "assigned_owner")[:20]
    ]
    return questions


def weekly_xlsx(review: dict) -> bytes:
    """The review as a workbook: one sheet of flows, one of open questions."""
    flows = tablib.Dataset(
        headers=[
            "flow",
            "owner",
            "failures",
            "time to recovery (hours)",
            "stale records",
            "manual interventions",
            "mapping changes",
        ],
        title="flows",
    )
    for row in review["rows"]:
        flows.append(
            [
                row.flow.code,
                row.flow.owner.name,
                row.failures,
                row.recovery_hours,
                row.stale,
                row.interventions,
                row.mapping_changes,
            ]
        )
    questions = tablib.Dataset(headers=["question", "who", "link"], title="open questions")
    for q in review["questions"]:
        questions.append([q.text, q.who, q.link])
    return tablib.Databook([flows, questions]).export("xlsx")
