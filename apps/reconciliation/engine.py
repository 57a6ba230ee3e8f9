"""Set-wise comparison of two sides as a sorted merge: one pass, bounded memory.

Each side is an iterator of (key, record) in ascending key order (Python string order, which
is byte order for UTF-8; PostgreSQL sides sort with COLLATE "C"), one record per key, or a
`Batches` of rows (key, value, ...) with the values' names. Every key lands in exactly one
class: on both sides and equal, missing on the left, missing on the right, or changed with
the fields that differ named. A side that goes out of order raises instead of giving a wrong
answer.

Speed comes from comparing whole runs of rows at C level: sides are read a batch at a time,
each batch's key order is checked in one pass of C comparisons, and while both sides agree
(nearly every row) a slice of one batch is compared with a slice of the other as one list
comparison. Python steps through single rows only where the slices differ: a missing key or
a changed record. A field's value is parsed (e.g. into a Decimal for a tolerance) only there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from operator import eq, itemgetter, lt

from apps.core.errors import HubError

MISSING_LEFT = "missing_left"
MISSING_RIGHT = "missing_right"
CHANGED = "changed"

BATCH = 5000  # rows a (key, record) side is read in; a Batches side brings its own
WINDOW = (64, 8192)  # rows compared at once: starts small after a difference, doubles on a match


class SideOutOfOrder(HubError):
    """A side yielded a key not after the one before it; a merge would then be wrong."""

    code = "side_out_of_order"
    status = 500


@dataclass(frozen=True)
class Field:
    """A compared field; `tolerance` allows a numeric difference up to it (e.g. a quantity)."""

    name: str
    tolerance: Decimal | None = None

    def differs(self, left, right) -> bool:
        if left == right:
            return False
        if self.tolerance is None or left is None or right is None:
            return True
        return abs(Decimal(str(left)) - Decimal(str(right))) > self.tolerance


@dataclass(frozen=True)
class Difference:
    key: str
    kind: str
    left: dict | None
    right: dict | None
    fields: tuple[str, ...] = ()


@dataclass
class Counts:
    left: int = 0
    right: int = 0
    matched: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str) -> None:
        self.by_kind[kind] = self.by_kind.get(kind, 0) + 1


class Batches:
    """A side as lists of rows (key, value, ...), the values named by `columns`.

    The cheap shape for large sides: rows compare as tuples, and a record (a dict of the
    named values) is built only for a row that differs. Iterated directly, it gives
    (key, record) like any other side.
    """

    __slots__ = ("batches", "columns")

    def __init__(self, batches: Iterable[list[tuple]], columns: Sequence[str]):
        self.batches = batches
        self.columns = tuple(columns)

    def record(self, row: tuple) -> dict:
        return dict(zip(self.columns, row[1:], strict=True))

    def __iter__(self) -> Iterator[tuple[str, dict]]:
        for batch in self.batches:
            for row in batch:
                yield row[0], self.record(row)


_KEY = itemgetter(0)
_RECORD = itemgetter(1)


class _Side:
    """One side read a batch at a time, each batch's key order checked, rows counted."""

    __slots__ = ("_source", "_batches", "_label", "record", "rows", "pos", "count", "_last")

    def __init__(self, items: Iterable, label: str):
        if isinstance(items, Batches):
            self._source = items.batches
            self._batches = iter(items.batches)
            self.record: Callable[[tuple], dict] = items.record
        else:
            self._source = pairs = iter(items)
            self._batches = iter(lambda: list(islice(pairs, BATCH)), [])
            self.record = _RECORD
        self._label = label
        self.rows: list = []
        self.pos = 0
        self.count = 0
        self._last: str | None = None

    def ready(self) -> bool:
        """Whether a row is at `pos`, reading the next batch if this one is done."""
        while self.pos >= len(self.rows):
            rows = next(self._batches, None)
            if rows is None:
                self.rows, self.pos = [], 0
                return False
            self._check(rows)
            self.rows, self.pos = rows, 0
            self.count += len(rows)
        return True

    def close(self) -> None:
        """Let the source go (a generator's cleanup, a reading thread) however the merge ends."""
        close = getattr(self._source, "close", None)
        if close is not None:
            close()

    def _check(self, rows: list) -> None:
        if not rows:
            return
        keys = list(map(_KEY, rows))
        if self._last is not None:
            keys.insert(0, self._last)
        try:
            ordered = all(map(lt, keys, islice(keys, 1, None)))
        except TypeError:
            ordered = False
        if not ordered:
            before, after = next(
                (p, k) for p, k in zip(keys, keys[1:], strict=False) if not _before(p, k)
            )
            raise SideOutOfOrder(
                f"The {self._label} side gave key {after!r} after {before!r}: "
                "sides must be sorted by key, one record per key."
            )
        self._last = keys[-1]


def _before(a, b) -> bool:
    try:
        return a < b
    except TypeError:
        return False


def compare(
    left: Iterable,
    right: Iterable,
    *,
    fields: Sequence[Field],
    counts: Counts,
    labels: tuple[str, str] = ("left", "right"),
) -> Iterator[Difference]:
    """Yield each difference between two sorted sides; `counts` is filled in as they go."""
    a, b = _Side(left, labels[0]), _Side(right, labels[1])
    try:
        yield from _merge(a, b, fields, counts)
    finally:
        a.close()
        b.close()


def _merge(a: _Side, b: _Side, fields: Sequence[Field], counts: Counts) -> Iterator[Difference]:
    low, high = WINDOW
    window = low
    while a.ready() and b.ready():
        rows_a, i, rows_b, j = a.rows, a.pos, b.rows, b.pos
        n = min(len(rows_a) - i, len(rows_b) - j, window)
        run_a, run_b = rows_a[i : i + n], rows_b[j : j + n]
        if run_a == run_b:
            a.pos, b.pos = i + n, j + n
            counts.matched += n
            window = min(window * 2, high)
            continue
        same = list(map(eq, run_a, run_b)).index(False)
        counts.matched += same
        i, j = i + same, j + same
        window = low
        x, y = rows_a[i], rows_b[j]
        if x[0] < y[0]:
            a.pos, b.pos = i + 1, j
            counts.add(MISSING_RIGHT)
            yield Difference(x[0], MISSING_RIGHT, a.record(x), None)
        elif y[0] < x[0]:
            a.pos, b.pos = i, j + 1
            counts.add(MISSING_LEFT)
            yield Difference(y[0], MISSING_LEFT, None, b.record(y))
        else:
            a.pos, b.pos = i + 1, j + 1
            record_a, record_b = a.record(x), b.record(y)
            changed = _changed(fields, record_a, record_b)
            if changed:
                counts.add(CHANGED)
                yield Difference(x[0], CHANGED, record_a, record_b, changed)
            else:
                counts.matched += 1
    # One side has ended: the rest of the other is missing from it.
    while a.ready():
        row = a.rows[a.pos]
        a.pos += 1
        counts.add(MISSING_RIGHT)
        yield Difference(row[0], MISSING_RIGHT, a.record(row), None)
    while b.ready():
        row = b.rows[b.pos]
        b.pos += 1
        counts.add(MISSING_LEFT)
        yield Difference(row[0], MISSING_LEFT, None, b.record(row))
    counts.left, counts.right = a.count, b.count


def _changed(fields: Sequence[Field], left: dict, right: dict) -> tuple[str, ...]:
    return tuple(f.name for f in fields if f.differs(left.get(f.name), right.get(f.name)))
