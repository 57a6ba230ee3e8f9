"""Set-wise comparison of two sides as a sorted merge: one pass, constant memory.

Each side is an iterator of (key, record) in ascending key order (Python string order, which
is byte order for UTF-8; PostgreSQL sides sort with COLLATE "C"), one record per key. Every
key lands in exactly one class: on both sides and equal, missing on the left, missing on the
right, or changed with the fields that differ named. A side that goes out of order raises
instead of giving a wrong answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from apps.core.errors import HubError

MISSING_LEFT = "missing_left"
MISSING_RIGHT = "missing_right"
CHANGED = "changed"


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


class _Side:
    """One side's iterator with its order checked and a count kept."""

    __slots__ = ("_items", "_label", "key", "record", "count")

    def __init__(self, items: Iterable[tuple[str, dict]], label: str):
        self._items = iter(items)
        self._label = label
        self.key: str | None = None
        self.record: dict | None = None
        self.count = 0
        self.advance()

    def advance(self) -> None:
        previous = self.key
        try:
            self.key, self.record = next(self._items)
        except StopIteration:
            self.key, self.record = None, None
            return
        if previous is not None and self.key <= previous:
            raise SideOutOfOrder(
                f"The {self._label} side gave key {self.key!r} after {previous!r}: "
                "sides must be sorted by key, one record per key."
            )
        self.count += 1


def compare(
    left: Iterable[tuple[str, dict]],
    right: Iterable[tuple[str, dict]],
    *,
    fields: Sequence[Field],
    counts: Counts,
    labels: tuple[str, str] = ("left", "right"),
) -> Iterator[Difference]:
    """Yield each difference between two sorted sides; `counts` is filled in as they go."""
    a, b = _Side(left, labels[0]), _Side(right, labels[1])
    while a.key is not None or b.key is not None:
        if b.key is None or (a.key is not None and a.key < b.key):
            counts.add(MISSING_RIGHT)
            yield Difference(a.key, MISSING_RIGHT, a.record, None)
            a.advance()
        elif a.key is None or b.key < a.key:
            counts.add(MISSING_LEFT)
            yield Difference(b.key, MISSING_LEFT, None, b.record)
            b.advance()
        else:
            # Most records agree entirely: one C-level dict comparison settles them.
            if a.record != b.record:
                changed = _changed(fields, a.record, b.record)
                if changed:
                    counts.add(CHANGED)
                    yield Difference(a.key, CHANGED, a.record, b.record, changed)
                else:
                    counts.matched += 1
            else:
                counts.matched += 1
            a.advance()
            b.advance()
    counts.left, counts.right = a.count, b.count


def _changed(fields: Sequence[Field], left: dict, right: dict) -> tuple[str, ...]:
    return tuple(f.name for f in fields if f.differs(left.get(f.name), right.get(f.name)))
