"""Which outbox rows a worker may take now: batch claims, line heads, and the sweep.

A row is claimable when it is due, its flow is not paused, and it is the head of its line
(no earlier row of the same flow, target and line key is still owed or in flight). Claiming
marks it in flight and counts the attempt in one statement, so two workers never take the
same row and a later row of a line never overtakes an earlier one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, F, Min, OuterRef
from django.utils import timezone

from apps.exchange.models import Delivery, DeliveryStatus
from apps.exchange.stages.route import delivery_enqueue

DUE_STATUSES = [DeliveryStatus.PENDING, DeliveryStatus.RETRYING]
OWED_STATUSES = [*DUE_STATUSES, DeliveryStatus.IN_FLIGHT]


def deliveries_claim(*, flow_id: int, system_id: int, limit: int, now: datetime) -> list[Delivery]:
    """Claim up to `limit` line heads due for one flow's target, oldest first; in flight now."""
    heads = _heads(flow_id, system_id, now).order_by("pk").values("pk")[:limit]
    if connection.vendor == "postgresql":
        ids = _claim_skip_locked(heads, now)
    else:
        # SQLite: the hub's transactions begin IMMEDIATE, holding the one writer lock, so no
        # other worker claims between this read and the update.
        with transaction.atomic():
            ids = [row["pk"] for row in heads]
            _claimed_update(Delivery.objects.filter(pk__in=ids, status__in=DUE_STATUSES), now)
    if not ids:
        return []
    return list(
        Delivery.objects.select_related("flow", "target_system").filter(pk__in=ids).order_by("pk")
    )


def _heads(flow_id: int, system_id: int, now: datetime):
    earlier_owed = Delivery.objects.filter(
        flow_id=OuterRef("flow_id"),
        target_system_id=OuterRef("target_system_id"),
        line_key=OuterRef("line_key"),
        status__in=OWED_STATUSES,
        pk__lt=OuterRef("pk"),
    ).exclude(line_key="")
    return Delivery.objects.filter(
        flow_id=flow_id,
        target_system_id=system_id,
        status__in=DUE_STATUSES,
        next_attempt_at__lte=now,
        flow__is_paused=False,
    ).filter(~Exists(earlier_owed))


@transaction.atomic
def _claim_skip_locked(heads, now: datetime) -> list[int]:
    # One statement: rows another worker is claiming right now are skipped, not waited for.
    # The status is checked again once a row is locked (READ COMMITTED re-reads it).
    locked = heads.select_for_update(skip_locked=True, of=("self",))
    select_sql, select_params = locked.query.sql_with_params()
    table = Delivery._meta.db_table
    sql = (
        f"UPDATE {table} SET status = %s, claimed_at = %s, attempts = attempts + 1 "
        f"WHERE id IN ({select_sql}) AND status IN (%s, %s) RETURNING id"
    )
    params = [DeliveryStatus.IN_FLIGHT, now, *select_params, *DUE_STATUSES]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _claimed_update(rows, now: datetime) -> int:
    return rows.update(status=DeliveryStatus.IN_FLIGHT, claimed_at=now, attempts=F("attempts") + 1)


def lines_advance(*, deliveries: list[Delivery]) -> int:
    """The rows next in line behind settled ones become due now (one query for all lines).

    A row that found an earlier one of its line owed waits without a task of its own; the
    worker that settles the earlier one moves it up, so a line drains at once, not at the lease.
    """
    keyed = [d for d in deliveries if d.line_key]
    if not keyed:
        return 0
    first = keyed[0]
    now = timezone.now()
    heads = (
        Delivery.objects.filter(
            flow_id=first.flow_id,
            target_system_id=first.target_system_id,
            line_key__in={d.line_key for d in keyed},
            status__in=DUE_STATUSES,
        )
        .values("line_key")
        .annotate(head=Min("pk"))
        .values("head")
    )
    return Delivery.objects.filter(
        pk__in=heads, status__in=DUE_STATUSES, next_attempt_at__gt=now
    ).update(next_attempt_at=now)


def deliveries_sweep(*, now: datetime | None = None) -> int:
    """Re-enqueue what is due, and reclaim attempts whose worker died; returns how many."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.HUB_DELIVERY_LEASE_SECONDS)
    Delivery.objects.filter(status=DeliveryStatus.IN_FLIGHT, claimed_at__lt=stale).update(
        status=DeliveryStatus.RETRYING, next_attempt_at=now
    )
    due = list(
        Delivery.objects.filter(
            status__in=DUE_STATUSES,
            next_attempt_at__lte=now,
            flow__is_paused=False,
            target_system__is_active=True,
        ).select_related("flow")
    )
    with transaction.atomic():
        for delivery in due:
            delivery_enqueue(delivery=delivery)
    return len(due)
