"""What each flow's failure modes read now, per flow, from a fixed number of grouped queries.

Shared by the alert rules (is the condition holding?) and the dashboard (what does it cost?),
so the figure an owner sees and the figure that alerted them are the same number.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import (
    Count,
    DateTimeField,
    ExpressionWrapper,
    F,
    Max,
    Min,
    Q,
    Sum,
    Value,
)
from django.utils import timezone

from apps.exchange.models import Delivery, DeliveryStatus, SyncRun, SyncStatus
from apps.quarantine.choices import ReasonCode
from apps.quarantine.models import QuarantineItem, QuarantineStatus
from apps.quarantine.selectors import effect_of
from apps.reconciliation.models import Mismatch

WAITING_ITEMS = [QuarantineStatus.OPEN, QuarantineStatus.AWAITING_APPROVAL]
WAITING_DELIVERIES = [DeliveryStatus.PENDING, DeliveryStatus.RETRYING]
QUEUED = [*WAITING_DELIVERIES, DeliveryStatus.IN_FLIGHT, DeliveryStatus.HELD]


@dataclass
class Held:
    """How many records a failure mode holds, and what they are worth."""

    count: int = 0
    value: Decimal = Decimal(0)
    lines: int = 0

    def add(self, item: QuarantineItem) -> None:
        effect = effect_of(item)
        self.count += 1
        self.value += effect.value or 0
        self.lines += effect.lines or 1


@dataclass
class FlowReadings:
    """One flow's failure modes, read at `at`."""

    quarantined: Held = field(default_factory=Held)
    dead_letters: Held = field(default_factory=Held)
    stuck_approvals: Held = field(default_factory=Held)
    mismatches: Held = field(default_factory=Held)
    oldest_due: datetime | None = None
    last_success: datetime | None = None
    last_run_status: str = ""
    queue_depth: int = 0
    delay: timedelta | None = None


def readings_for(flows, *, now: datetime | None = None) -> dict[int, FlowReadings]:
    """Every flow's readings: five queries whatever the number of flows."""
    now = now or timezone.now()
    by_flow = {flow.pk: FlowReadings() for flow in flows}
    sla = {flow.pk: flow.resolution_sla for flow in flows}
    _items(by_flow, sla, now)
    _deliveries(by_flow, now)
    _runs(by_flow)
    _mismatches(by_flow)
    for flow in flows:
        _delay(flow, by_flow[flow.pk], now)
    return by_flow


def _items(by_flow, sla, now) -> None:
    items = QuarantineItem.objects.filter(flow_id__in=by_flow, status__in=WAITING_ITEMS)
    for item in items.only("flow_id", "reason_code", "status", "payload", "problems", "updated_at"):
        reading = by_flow[item.flow_id]
        if item.reason_code == ReasonCode.DELIVERY_FAILED:
            reading.dead_letters.add(item)
        elif item.reason_code != ReasonCode.RECONCILIATION_MISMATCH:
            reading.quarantined.add(item)
        waited = now - item.updated_at
        if item.status == QuarantineStatus.AWAITING_APPROVAL and waited > sla[item.flow_id]:
            reading.stuck_approvals.add(item)


def _deliveries(by_flow, now) -> None:
    rows = (
        Delivery.objects.filter(flow_id__in=by_flow, status__in=QUEUED)
        .values("flow_id")
        .annotate(
            depth=Count("id"),
            oldest=Min(
                "next_attempt_at",
                filter=Q(status__in=WAITING_DELIVERIES, next_attempt_at__lte=now),
            ),
        )
        .order_by()
    )
    for row in rows:
        by_flow[row["flow_id"]].queue_depth = row["depth"]
        by_flow[row["flow_id"]].oldest_due = row["oldest"]


def _runs(by_flow) -> None:
    rows = SyncRun.objects.filter(flow_id__in=by_flow).values("flow_id")
    rows = rows.annotate(
        success=Max("finished_at", filter=Q(status=SyncStatus.SUCCEEDED)),
        started=Max("started_at"),
    ).order_by()
    latest = {}
    for row in rows:
        by_flow[row["flow_id"]].last_success = row["success"]
        latest[row["flow_id"]] = row["started"]
    # The status of each flow's newest run, in one query for all flows.
    runs = SyncRun.objects.filter(flow_id__in=latest, started_at__in=set(latest.values()))
    for flow_id, started, status in runs.values_list("flow_id", "started_at", "status"):
        if latest[flow_id] == started:
            by_flow[flow_id].last_run_status = status


def _mismatches(by_flow) -> None:
    rows = Mismatch.objects.filter(
        resolved_at__isnull=True, quarantine_item__flow_id__in=by_flow
    ).values("quarantine_item__flow_id")
    for row in rows.annotate(n=Count("id"), value=Sum("value_at_stake")).order_by():
        held = by_flow[row["quarantine_item__flow_id"]].mismatches
        held.count, held.value, held.lines = row["n"], row["value"] or Decimal(0), row["n"]


def _delay(flow, reading: FlowReadings, now) -> None:
    """How far behind its source the flow's target is: oldest due delivery or last good run."""
    delays = []
    if reading.oldest_due:
        delays.append(now - reading.oldest_due)
    if reading.last_success:
        delays.append(now - reading.last_success)
    reading.delay = max(delays) if delays else None


def stale_deliveries(flows, *, now: datetime | None = None) -> dict[int, int]:
    """Records whose target copy is older than the flow's freshness SLA (one query)."""
    now = now or timezone.now()
    cutoff = ExpressionWrapper(
        Value(now, output_field=DateTimeField()) - F("flow__freshness_sla"),
        output_field=DateTimeField(),
    )
    rows = Delivery.objects.filter(flow_id__in=[f.pk for f in flows], status__in=QUEUED)
    rows = rows.alias(cutoff=cutoff).filter(created_at__lt=F("cutoff"))
    return defaultdict(
        int,
        {r["flow_id"]: r["n"] for r in rows.values("flow_id").annotate(n=Count("id")).order_by()},
    )
