"""A run's mismatches in the quarantine queue: new ones open items, resolved ones close them."""

from __future__ import annotations

from collections import defaultdict

from django.db import connection, transaction
from django.utils import timezone

from apps.quarantine.choices import ReasonCode
from apps.quarantine.services import quarantine_close_agreed, quarantine_open_bulk
from apps.reconciliation.choices import RunStatus
from apps.reconciliation.models import Mismatch, ReconciliationRun

CHUNK = 500


def mismatches_open_items(*, run: ReconciliationRun, flow) -> int:
    """Open an item for each mismatch of the run that has none yet; returns how many opened."""
    new = run.mismatches.filter(quarantine_item__isnull=True, owner__isnull=False)
    opened = 0
    batch: list[Mismatch] = []
    for mismatch in new.select_related("owner").iterator(chunk_size=CHUNK):
        batch.append(mismatch)
        if len(batch) == CHUNK:
            opened += _open(batch, flow)
            batch = []
    return opened + (_open(batch, flow) if batch else 0)


@transaction.atomic
def _open(batch: list[Mismatch], flow) -> int:
    items = quarantine_open_bulk(items=[_item(m, flow) for m in batch])
    for mismatch, item in zip(batch, items, strict=True):
        mismatch.quarantine_item = item
    _link_items(batch)
    return len(items)


def _link_items(batch: list[Mismatch]) -> None:
    if connection.vendor != "postgresql":
        Mismatch.objects.bulk_update(batch, ["quarantine_item"])
        return
    # bulk_update's CASE WHEN per row costs seconds per few thousand rows; one join does not.
    table = Mismatch._meta.db_table
    column = Mismatch._meta.get_field("quarantine_item").column
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS m SET {column} = v.item "
            "FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, item) WHERE m.id = v.id",
            [[m.pk for m in batch], [m.quarantine_item_id for m in batch]],
        )


def _item(mismatch: Mismatch, flow) -> dict:
    left, right = mismatch.left_system, mismatch.right_system
    # The item's cause (its group in the workbench): which reconciliation, which two systems,
    # which kind. A bare kind or field ("missing_in_storefront", "status") would put orders'
    # and inventory's items in one group, and one group decision would reach both.
    cause = f"{mismatch.reconciliation} {mismatch.comparison}: {mismatch.kind}"
    problems = [
        {
            "field": name,
            "mismatch": cause,
            left: (mismatch.left_value or {}).get(name),
            right: (mismatch.right_value or {}).get(name),
        }
        for name in mismatch.changed_fields
    ] or [
        {
            "code": mismatch.kind,
            "mismatch": cause,
            left: mismatch.left_value,
            right: mismatch.right_value,
        }
    ]
    return {
        "flow": flow,
        "reason_code": ReasonCode.RECONCILIATION_MISMATCH,
        "message": f"{mismatch.effect} {mismatch.suggested_action}",
        "subject_type": mismatch.subject_type,
        "subject_key": mismatch.subject_key,
        "payload": {
            "reconciliation": mismatch.reconciliation,
            "comparison": mismatch.comparison,
            "key": mismatch.key,
            "kind": mismatch.kind,
            "run": mismatch.run_id,
            "mismatch": mismatch.pk,
            left: mismatch.left_value,
            right: mismatch.right_value,
        },
        "problems": problems,
        "owner": mismatch.owner,
    }


def mismatches_close_resolved(*, run: ReconciliationRun) -> tuple[int, int]:
    """Mismatches open before this run that it no longer found are resolved, their items closed.

    Returns (mismatches resolved, items closed).
    """
    found = set(run.mismatches.values_list("comparison", "key", "kind").iterator())
    earlier = Mismatch.objects.filter(
        reconciliation=run.name, resolved_at__isnull=True, run__status=RunStatus.SUCCEEDED
    ).exclude(run=run)
    gone: dict[tuple[str, str], set[str]] = defaultdict(set)
    items: set[int] = set()
    for comparison, key, kind, item in earlier.values_list(
        "comparison", "key", "kind", "quarantine_item_id"
    ).iterator():
        if (comparison, key, kind) not in found:
            gone[(comparison, kind)].add(key)
            if item:
                items.add(item)
    now, resolved = timezone.now(), 0
    for (comparison, kind), keys in gone.items():
        ordered = sorted(keys)
        for start in range(0, len(ordered), CHUNK):
            resolved += earlier.filter(
                comparison=comparison, kind=kind, key__in=ordered[start : start + CHUNK]
            ).update(resolved_at=now, resolved_by_run=run)
    note = f"The systems agree again ({run.name} reconciliation run {run.pk})."
    closed = quarantine_close_agreed(item_ids=sorted(items), note=note) if items else 0
    return _identities(resolved, gone), closed


def _identities(rows: int, gone: dict) -> int:
    # Several runs' rows may share one identity; what was resolved is counted once per identity.
    return sum(len(keys) for keys in gone.values()) if rows else 0
