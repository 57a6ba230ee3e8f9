"""The dashboard's figures: per flow, in business terms, each with the link to its items.

A fixed number of grouped queries whatever the number of flows (tests pin it): readings for
the failure modes, then one query per extra figure and per chart series.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, OuterRef, Subquery
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone

from apps.exchange.models import Envelope, EnvelopeStatus
from apps.flows.models import Flow
from apps.monitoring.readings import FlowReadings, readings_for, stale_deliveries
from apps.operations.models import Alert, AlertStatus
from apps.orders.models import Order, OrderStatus
from apps.quarantine.models import QuarantineAction, QuarantineItem, QuarantineStatus, team_areas

DAYS = 30
RECENT = timedelta(days=7)


@dataclass
class Figure:
    """One number on the dashboard: what it means, what it costs, where its items are."""

    label: str
    value: str
    link: str
    alarm: bool = False
    detail: str = ""


@dataclass
class FlowPanel:
    flow: Flow
    mine: bool
    figures: list[Figure]
    received: list[int] = field(default_factory=list)
    held: list[int] = field(default_factory=list)
    open_alerts: int = 0


def _admin(name: str, **params) -> str:
    return reverse(f"admin:{name}") + ("?" + urlencode(params) if params else "")


def _queue(flow: Flow, **params) -> str:
    return _admin("quarantine_quarantineitem_changelist", flow=flow.code, **params)


def _duration(delta: timedelta | None) -> str:
    if delta is None:
        return "-"
    minutes = int(delta.total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} min"
    hours = minutes // 60
    return f"{hours} h" if hours < 72 else f"{hours // 24} days"


def _money(value: Decimal) -> str:
    return f"{value:,.2f} held" if value else ""


def dashboard_panels(*, user, now: datetime | None = None) -> list[FlowPanel]:
    """Every built flow's panel; the user's own flows first, then their team's, then the rest."""
    now = now or timezone.now()
    flows = list(
        Flow.objects.filter(build_status="implemented", is_active=True).select_related("owner")
    )
    readings = readings_for(flows, now=now)
    extra = _extra_figures(flows, now)
    series = _daily_series(flows, now)
    areas = team_areas(user)
    panels = []
    for flow in flows:
        panel = FlowPanel(
            flow=flow,
            mine=flow.owner.user_id == user.pk or flow.owner.area in areas,
            figures=_figures(flow, readings[flow.pk], extra, now),
            received=series["received"][flow.pk],
            held=series["held"][flow.pk],
            open_alerts=extra["alerts"].get(flow.pk, 0),
        )
        panels.append(panel)
    panels.sort(key=lambda p: (flow_rank(p.flow, user, areas), p.flow.code))
    return panels


def flow_rank(flow: Flow, user, areas: set[str]) -> int:
    if flow.owner.user_id == user.pk:
        return 0
    return 1 if flow.owner.area in areas else 2


def _figures(flow: Flow, r: FlowReadings, extra: dict, now: datetime) -> list[Figure]:
    flow_filter = {"flow__id__exact": flow.pk}
    late = bool(r.delay and r.delay > flow.freshness_sla)
    recovery = extra["recovery"].get(flow.pk)
    return [
        Figure(
            "Sync delay",
            _duration(r.delay),
            _admin("exchange_delivery_changelist", **flow_filter)
            if r.oldest_due
            else _admin("exchange_syncrun_changelist", **flow_filter),
            alarm=late,
            detail=f"SLA {_duration(flow.freshness_sla)}",
        ),
        Figure(
            "Rejected payloads (7 days)",
            str(extra["rejected"].get(flow.pk, 0)),
            _admin("exchange_envelope_changelist", **flow_filter, status__exact="rejected"),
            alarm=bool(extra["rejected"].get(flow.pk)),
        ),
        Figure(
            "Records quarantined",
            str(r.quarantined.count),
            _queue(flow),
            alarm=bool(r.quarantined.count),
            detail=_money(r.quarantined.value),
        ),
        Figure(
            "Dead letters",
            str(r.dead_letters.count),
            _queue(flow, reason="delivery_failed"),
            alarm=bool(r.dead_letters.count),
            detail=_money(r.dead_letters.value),
        ),
        Figure(
            "Queue depth",
            str(r.queue_depth),
            _admin("exchange_delivery_changelist", **flow_filter),
        ),
        Figure(
            "Stuck approvals",
            str(r.stuck_approvals.count),
            _queue(flow, status=QuarantineStatus.AWAITING_APPROVAL),
            alarm=bool(r.stuck_approvals.count),
        ),
        Figure(
            "Credit-check failures",
            str(extra["credit"].get(flow.pk, 0)),
            _admin("orders_order_changelist", status__exact=OrderStatus.CREDIT_HOLD),
            alarm=bool(extra["credit"].get(flow.pk)),
        ),
        Figure(
            "Settlement mismatches",
            str(r.mismatches.count),
            _queue(flow, reason="reconciliation_mismatch"),
            alarm=bool(r.mismatches.count),
            detail=_money(r.mismatches.value),
        ),
        Figure(
            "Manual interventions (30 days)",
            str(extra["interventions"].get(flow.pk, 0)),
            _queue(flow, status=QuarantineStatus.RESOLVED),
        ),
        Figure(
            "Time to recovery (30 days)",
            _duration(recovery),
            _queue(flow, status=QuarantineStatus.RESOLVED),
            alarm=bool(recovery and recovery > flow.resolution_sla),
            detail=f"SLA {_duration(flow.resolution_sla)}",
        ),
        Figure(
            "Stale records",
            str(extra["stale"].get(flow.pk, 0)),
            _admin("exchange_delivery_changelist", **flow_filter),
            alarm=bool(extra["stale"].get(flow.pk)),
            detail="older than the SLA",
        ),
    ]


def _extra_figures(flows: list[Flow], now: datetime) -> dict:
    """Rejections, credit holds, interventions, recovery, stale records, alerts: one query each."""
    ids = [flow.pk for flow in flows]
    rejected = Envelope.objects.filter(
        flow_id__in=ids, status=EnvelopeStatus.REJECTED, created_at__gte=now - RECENT
    )
    # An order belongs to the flow whose envelope brought it in.
    flow_of = Envelope.objects.filter(subject_key=OuterRef("number")).values("flow_id")[:1]
    credit = Order.objects.filter(status=OrderStatus.CREDIT_HOLD).annotate(
        flow_id=Subquery(flow_of)
    )
    since = now - timedelta(days=DAYS)
    actions = QuarantineAction.objects.filter(created_at__gte=since, item__flow_id__in=ids)
    settled = QuarantineItem.objects.filter(
        flow_id__in=ids, status=QuarantineStatus.RESOLVED, updated_at__gte=since
    ).annotate(
        took=ExpressionWrapper(F("updated_at") - F("created_at"), output_field=DurationField())
    )
    alerts = Alert.objects.filter(status=AlertStatus.OPEN, flow_id__in=ids)
    return {
        "rejected": _count_by(rejected, "flow_id"),
        "credit": _count_by(credit, "flow_id"),
        "interventions": _count_by(actions, "item__flow_id"),
        "recovery": {
            row["flow_id"]: row["took"]
            for row in settled.values("flow_id").annotate(took=Avg("took")).order_by()
        },
        "stale": stale_deliveries(flows, now=now),
        "alerts": _count_by(alerts, "flow_id"),
    }


def _count_by(queryset, key: str) -> dict:
    rows = queryset.values(key).annotate(n=Count("id")).order_by()
    return {row[key]: row["n"] for row in rows}


def days(now: datetime) -> list[date]:
    today = timezone.localdate(now)
    return [today - timedelta(days=DAYS - 1 - n) for n in range(DAYS)]


def _daily_series(flows: list[Flow], now: datetime) -> dict:
    """Payloads received and records held per flow per day, for the last 30 days."""
    span = days(now)
    ids = [flow.pk for flow in flows]
    since = timezone.make_aware(datetime.combine(span[0], datetime.min.time()))
    out = {}
    for name, queryset in (
        ("received", Envelope.objects.filter(flow_id__in=ids, created_at__gte=since)),
        ("held", QuarantineItem.objects.filter(flow_id__in=ids, created_at__gte=since)),
    ):
        counts = defaultdict(int)
        rows = queryset.annotate(day=TruncDate("created_at")).values("flow_id", "day")
        for row in rows.annotate(n=Count("id")).order_by():
            counts[(row["flow_id"], row["day"])] = row["n"]
        out[name] = {pk: [counts[(pk, day)] for day in span] for pk in ids}
    return out
