"""A large side read through SQL streams in batches and finds exactly the injected differences.

On SQLite (the default test database) a side reads through a chunked cursor; run with
DATABASE_URL on PostgreSQL, the same tests read through server-side cursors on connections of
their own, a thread per side reading ahead (hence committed rows: `transactional_db`).
"""

import threading
import tracemalloc

import pytest
from django.db import connection

from apps.reconciliation import sources
from apps.reconciliation.choices import RunStatus, Trigger
from apps.reconciliation.definitions.orders import FIELDS
from apps.reconciliation.engine import (
    MISSING_LEFT,
    MISSING_RIGHT,
    Counts,
    Difference,
    SideOutOfOrder,
    compare,
)
from apps.reconciliation.models import Mismatch
from apps.reconciliation.registry import Assessment, Comparison, Reconciliation, registry
from apps.reconciliation.services import reconciliation_run
from apps.reconciliation.sources import sql_rows

ROWS = 20_000
FETCH = 1000
TABLES = ("stream_left", "stream_right")
# Keys in three scripts: byte order is not dictionary order ("B" < "a" < "é").
PREFIXES = ("a", "B", "\u00e9")


def _key(i: int) -> str:
    return f"{PREFIXES[i % 3]}{i:06d}"


def _injected() -> dict[str, tuple[str, tuple[str, ...]]]:
    """Key → (kind, changed fields) of every difference the tables are filled with."""
    found = {}
    for i in range(0, ROWS, 400):
        found[_key(i + 1)] = ("missing_in_b", ())
        found[_key(i + 2)] = ("missing_in_a", ())
        found[_key(i + 3)] = ("status_mismatch", ("status",))
        found[_key(i + 4)] = ("total_mismatch", ("total",))
    return found


@pytest.fixture
def tables(transactional_db):
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(
                f"CREATE TABLE {table} (key varchar(20) PRIMARY KEY, status text, total text)"
            )
        left, right = [], []
        for i in range(ROWS):
            row = (_key(i), "open", f"{i % 97}.00")
            if i % 400 != 2:
                left.append(row)
            if i % 400 == 3:
                row = (row[0], "shut", row[2])
            elif i % 400 == 4:
                row = (row[0], row[1], "0.01")
            if i % 400 != 1:
                right.append(row)
        for table, rows in zip(TABLES, (left, right), strict=True):
            cursor.executemany(f"INSERT INTO {table} VALUES (%s, %s, %s)", rows)
    yield len(left), len(right)
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"DROP TABLE {table}")


def _side(table: str):
    collate = ' COLLATE "C"' if connection.vendor == "postgresql" else ""
    return sql_rows(
        f"SELECT key, status, total FROM {table} ORDER BY key{collate}", columns=("status", "total")
    )


def _assess(d: Difference) -> Assessment:
    kind = {MISSING_LEFT: "missing_in_a", MISSING_RIGHT: "missing_in_b"}.get(d.kind)
    return Assessment(
        kind=kind or f"{d.fields[0]}_mismatch",
        effect=f"{d.key} differs",
        entity="order",
        field="status",
        action="Fix it at the source.",
        subject_type="order",
        subject_key=d.key,
    )


@pytest.fixture
def streamed(tables, cast):
    registry.register(
        Reconciliation(
            name="streamed",
            title="Streamed",
            flow_code="order-capture",
            comparisons=(
                Comparison(
                    "a-b",
                    "a",
                    "b",
                    FIELDS,
                    lambda c: _side(TABLES[0]),
                    lambda c: _side(TABLES[1]),
                    _assess,
                ),
            ),
        )
    )
    yield tables
    registry.unregister("streamed")


def test_a_run_over_sql_sides_finds_exactly_the_injected_differences(streamed):
    run = reconciliation_run(name="streamed", trigger=Trigger.COMMAND)
    assert run.status == RunStatus.SUCCEEDED, run.error
    found = {m.key: (m.kind, tuple(m.changed_fields)) for m in Mismatch.objects.filter(run=run)}
    assert found == _injected()
    assert (run.left_count, run.right_count) == streamed
    assert run.matched_count == ROWS - len(found)
    assert run.opened_items == len(found)
    missing = Mismatch.objects.get(run=run, key=_key(1))
    assert (missing.left_value, missing.right_value) == ({"status": "open", "total": "1.00"}, None)


def test_a_sql_side_comes_a_batch_at_a_time(tables, monkeypatch):
    monkeypatch.setattr(sources, "FETCH", FETCH)
    batches = iter(_side(TABLES[0]).batches)
    try:
        first = next(batches)
        assert len(first) == FETCH
        assert first[0] == ("B000001", "open", "1.00")
        sizes = [len(first)] + [len(batch) for batch in batches]
    finally:
        batches.close()
    assert max(sizes) == FETCH and sum(sizes) == tables[0]


def test_comparing_sql_sides_holds_batches_not_sides(tables, monkeypatch):
    monkeypatch.setattr(sources, "FETCH", FETCH // 2)
    tracemalloc.start()
    try:
        whole = [row for batch in _side(TABLES[0]).batches for row in batch]
        _, held_whole = tracemalloc.get_traced_memory()
        del whole
        tracemalloc.reset_peak()
        counts = Counts()
        found = sum(
            1 for _ in compare(_side(TABLES[0]), _side(TABLES[1]), fields=FIELDS, counts=counts)
        )
        _, held_merging = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert found == len(_injected()) and counts.left == tables[0]
    assert _readers() == []
    # Both sides compared in a third of what one side read whole takes (40 batches; on
    # PostgreSQL each side holds up to four: merged, read ahead twice, being fetched).
    assert held_merging < held_whole / 3, (held_merging, held_whole)


def _readers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "reconcile-side"]


def test_a_sql_side_out_of_order_fails_the_merge_and_lets_both_sides_go(tables):
    backwards = sql_rows(
        f"SELECT key, status, total FROM {TABLES[0]} ORDER BY key DESC", columns=("status", "total")
    )
    with pytest.raises(SideOutOfOrder, match="left side gave key"):
        list(compare(backwards, _side(TABLES[1]), fields=FIELDS, counts=Counts()))
    assert _readers() == []
