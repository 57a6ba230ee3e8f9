"""Running a reconciliation: pull both sides, record each mismatch, route it to its owner.

No network call happens inside a transaction: the sides stream outside one, and mismatches
are written a batch at a time. Only a run that compared everything resolves earlier
mismatches; a failed run leaves them as they were.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.db.models import JSONField
from django.utils import timezone

from apps.core.errors import HubError
from apps.flows.models import Flow
from apps.ownership.models import FieldOwnership
from apps.reconciliation.choices import RunStatus
from apps.reconciliation.engine import Counts, compare
from apps.reconciliation.models import Mismatch, ReconciliationRun
from apps.reconciliation.quarantine import mismatches_close_resolved, mismatches_open_items
from apps.reconciliation.registry import Comparison, Reconciliation, RunContext, registry

BATCH = 5000
logger = logging.getLogger(__name__)


def reconciliation_run(*, name: str, trigger: str, actor=None) -> ReconciliationRun:
    """Run the named reconciliation to the end; a failed run is recorded with its error."""
    spec = registry.get(name)
    run = ReconciliationRun.objects.create(name=name, trigger=trigger, started_by=actor)
    try:
        _compare_all(spec, run)
    except HubError as exc:
        return _failed(run, exc.message)
    except Exception as exc:
        # A system answering something no reader expected (a word where a quantity belongs)
        # is a failed run to show its owner, never a run left "running" for ever.
        logger.exception("Reconciliation %s run %s failed unexpectedly", name, run.pk)
        return _failed(run, f"Unexpected {type(exc).__name__}: {exc}"[:2000])
    run.opened_items = mismatches_open_items(run=run, flow=Flow.objects.get(code=spec.flow_code))
    run.resolved_count, run.closed_items = mismatches_close_resolved(run=run)
    run.status, run.finished_at = RunStatus.SUCCEEDED, timezone.now()
    run.save()
    return run


def _failed(run: ReconciliationRun, error: str) -> ReconciliationRun:
    run.status, run.error, run.finished_at = RunStatus.FAILED, error, timezone.now()
    run.save()
    return run


def _compare_all(spec: Reconciliation, run: ReconciliationRun) -> None:
    context = RunContext(
        cutoff=timezone.now() - timedelta(seconds=settings.HUB_RECONCILE_GRACE_SECONDS)
    )
    writer = _Writer(run, carried=_still_open(spec.name))
    for comparison in spec.comparisons:
        counts = Counts()
        for difference in compare(
            comparison.left_rows(context),
            comparison.right_rows(context),
            fields=comparison.fields,
            counts=counts,
            labels=(comparison.left, comparison.right),
        ):
            writer.add(comparison, difference)
        run.left_count += counts.left
        run.right_count += counts.right
        run.matched_count += counts.matched
    writer.flush()
    run.counts, run.value_at_stake = writer.by_kind, writer.value
    run.mismatch_count = sum(writer.by_kind.values())


def _still_open(name: str) -> dict[tuple, tuple]:
    """Identity → (quarantine item, first seen) of the last good run's unresolved mismatches."""
    last = (
        ReconciliationRun.objects.filter(name=name, status=RunStatus.SUCCEEDED)
        .order_by("-created_at", "-id")
        .first()
    )
    if last is None:
        return {}
    rows = last.mismatches.filter(resolved_at__isnull=True).values_list(
        "comparison", "key", "kind", "quarantine_item_id", "first_seen_at"
    )
    return {(c, k, kind): (item, seen) for c, k, kind, item, seen in rows.iterator()}


class _Writer:
    """Buffers a run's mismatches and writes them a batch at a time."""

    def __init__(self, run: ReconciliationRun, *, carried: dict[tuple, tuple]):
        self.run = run
        self.carried = carried
        self.buffer: list[dict] = []
        self.by_kind: dict[str, int] = {}
        self.value = Decimal(0)
        self.owners: dict[tuple[str, str], int | None] = {}
        self.now = timezone.now()

    def add(self, comparison: Comparison, difference) -> None:
        found = comparison.assess(difference)
        item_id, first_seen = self.carried.get(
            (comparison.name, difference.key, found.kind), (None, self.now)
        )
        label = f"{comparison.name}:{found.kind}"
        self.by_kind[label] = self.by_kind.get(label, 0) + 1
        self.value += found.value_at_stake or 0
        self.buffer.append(
            {
                "run_id": self.run.pk,
                "reconciliation": self.run.name,
                "comparison": comparison.name,
                "left_system": comparison.left,
                "right_system": comparison.right,
                "key": difference.key,
                "kind": found.kind,
                "left_value": difference.left,
                "right_value": difference.right,
                "changed_fields": list(difference.fields),
                "effect": found.effect[:300],
                "value_at_stake": found.value_at_stake,
                "owner_id": self._owner(found.entity, found.field),
                "suggested_action": found.action[:300],
                "subject_type": found.subject_type,
                "subject_key": found.subject_key,
                "quarantine_item_id": item_id,
                "first_seen_at": first_seen,
            }
        )
        if len(self.buffer) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.buffer:
            return
        with transaction.atomic():
            if connection.vendor == "postgresql":
                _copy_mismatches(self.buffer, self.now)
            else:
                Mismatch.objects.bulk_create([Mismatch(**row) for row in self.buffer])
        self.buffer = []

    def _owner(self, entity: str, field: str) -> int | None:
        """The business owner the matrix gives decision authority over `entity.field`."""
        if (entity, field) not in self.owners:
            rules = FieldOwnership.objects.filter(entity=entity).order_by("field")
            rule = rules.filter(field=field).first() or rules.first()
            self.owners[(entity, field)] = rule.business_owner_id if rule else None
        return self.owners[(entity, field)]


def _copy_mismatches(rows: list[dict], now) -> None:
    """Insert mismatches through COPY (PostgreSQL).

    bulk_create quotes every value in Python on Django's client-side cursor, which cost more
    than comparing the sides; COPY sends the rows as they are.
    """
    fields = [Mismatch._meta.get_field(name) for name in rows[0]]
    stamps = ("created_at", "updated_at")
    columns = ", ".join(
        connection.ops.quote_name(c) for c in [f.column for f in fields] + list(stamps)
    )
    dumps = [
        partial(json.dumps, cls=f.encoder) if isinstance(f, JSONField) else None for f in fields
    ]
    table = connection.ops.quote_name(Mismatch._meta.db_table)
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            values = [
                value if dump is None or value is None else dump(value)
                for dump, value in zip(dumps, row.values(), strict=True)
            ]
            copy.write_row([*values, now, now])


def reconciliation_names() -> list[str]:
    return registry.names()
