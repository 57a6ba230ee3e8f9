"""The merge's fast path (batches, slices compared whole) gives what a dict join gives."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.reconciliation import engine
from apps.reconciliation.engine import (
    CHANGED,
    MISSING_LEFT,
    MISSING_RIGHT,
    Batches,
    Counts,
    Field,
    SideOutOfOrder,
    compare,
)

FIELDS = (Field("status"), Field("qty", tolerance=Decimal("1")))
COLUMNS = ("qty", "status")

keys = st.text(alphabet="ab\u00e9\u4e2d\U0001f600", min_size=1, max_size=3)
values = st.tuples(st.sampled_from(["1", "1.5", "2", "9"]), st.sampled_from(["open", "shut"]))
sides = st.dictionaries(keys, values, max_size=60)


def expected(left: dict, right: dict) -> list[tuple]:
    """The answer a plain dict join gives, in key order."""
    found = []
    for key in sorted(left.keys() | right.keys()):
        if key not in right:
            found.append((key, MISSING_RIGHT, ()))
        elif key not in left:
            found.append((key, MISSING_LEFT, ()))
        else:
            (qty_a, status_a), (qty_b, status_b) = left[key], right[key]
            changed = tuple(
                name
                for name, differs in (
                    ("status", status_a != status_b),
                    ("qty", abs(Decimal(qty_a) - Decimal(qty_b)) > 1),
                )
                if differs
            )
            if changed:
                found.append((key, CHANGED, changed))
    return found


def as_pairs(side: dict):
    return iter([(k, {"qty": q, "status": s}) for k, (q, s) in sorted(side.items())])


def as_batches(side: dict, cuts: list[int]) -> Batches:
    rows = [(k, q, s) for k, (q, s) in sorted(side.items())]
    batches, start = [], 0
    for cut in sorted(cuts):
        batches.append(rows[start:cut])
        start = max(start, cut)
    batches.append(rows[start:])
    return Batches(iter(batches), COLUMNS)


@pytest.fixture(autouse=True)
def small_batches(monkeypatch):
    """Batches and windows of a few rows, so every boundary case meets small data."""
    monkeypatch.setattr(engine, "BATCH", 3)
    monkeypatch.setattr(engine, "WINDOW", (1, 4))


@settings(max_examples=300, deadline=None)
@given(
    left=sides,
    right=sides,
    shapes=st.tuples(st.booleans(), st.booleans()),
    cuts=st.lists(st.integers(0, 60), max_size=6),
)
def test_every_key_is_classified_as_a_dict_join_classifies_it(left, right, shapes, cuts):
    # Many keys agree, as in real sides: half of the right copies the left.
    right = {**right, **dict(list(left.items())[::2])}
    sides = [
        as_batches(side, cuts) if batched else as_pairs(side)
        for side, batched in zip((left, right), shapes, strict=True)
    ]
    counts = Counts()
    found = list(compare(*sides, fields=FIELDS, counts=counts))
    assert [(d.key, d.kind, d.fields) for d in found] == expected(left, right)
    assert (counts.left, counts.right) == (len(left), len(right))
    assert counts.matched + counts.by_kind.get(CHANGED, 0) == len(left.keys() & right.keys())
    for d in found:
        if d.left is not None:
            assert d.left == dict(zip(COLUMNS, left[d.key], strict=True))
        if d.right is not None:
            assert d.right == dict(zip(COLUMNS, right[d.key], strict=True))
        assert (d.left is None, d.right is None) == (
            d.kind == MISSING_LEFT,
            d.kind == MISSING_RIGHT,
        )


def test_a_batched_side_builds_a_record_only_for_a_row_that_differs(monkeypatch):
    built = []

    class Counted(Batches):
        __slots__ = ()

        def record(self, row):
            built.append(row[0])
            return super().record(row)

    rows = [(f"k{i:03d}", "1", "open") for i in range(100)]
    changed = [*rows[:10], ("k010", "1", "shut"), *rows[11:50], *rows[51:]]
    counts = Counts()
    found = list(
        compare(
            Counted(iter([rows]), COLUMNS),
            Counted(iter([changed[:30], changed[30:]]), COLUMNS),
            fields=FIELDS,
            counts=counts,
        )
    )
    assert [(d.key, d.kind) for d in found] == [("k010", CHANGED), ("k050", MISSING_RIGHT)]
    assert sorted(built) == ["k010", "k010", "k050"]
    assert counts.matched == 98


def test_a_batched_side_iterates_as_key_and_record():
    side = Batches(iter([[("a", "1", "open")], [], [("b", "2", "shut")]]), COLUMNS)
    assert list(side) == [
        ("a", {"qty": "1", "status": "open"}),
        ("b", {"qty": "2", "status": "shut"}),
    ]


@pytest.mark.parametrize(
    "batches",
    [
        [[("a", "1", "x"), ("c", "1", "x")], [("b", "1", "x")]],
        [[("a", "1", "x"), ("b", "1", "x")], [("b", "2", "x")]],
        [[("a", "1", "x"), ("a", "1", "x")]],
    ],
    ids=["across-batches", "repeated-across-batches", "repeated-within-a-batch"],
)
def test_a_batched_side_out_of_order_is_refused_at_any_boundary(batches):
    with pytest.raises(SideOutOfOrder, match="right side gave key"):
        list(
            compare(
                iter([]),
                Batches(iter(batches), COLUMNS),
                fields=FIELDS,
                counts=Counts(),
            )
        )


def test_a_side_whose_keys_do_not_compare_is_refused():
    with pytest.raises(SideOutOfOrder, match="left side gave key 1 after 'a'"):
        list(compare(iter([("a", {}), (1, {})]), iter([]), fields=FIELDS, counts=Counts()))


class _Source:
    """Batches that tell whether the merge let them go."""

    def __init__(self, batches):
        self.batches, self.closed = batches, False

    def __iter__(self):
        return iter(self.batches)

    def close(self):
        self.closed = True


def test_a_merge_that_ends_early_lets_both_sides_go():
    left = _Source([[("b", "1", "x"), ("a", "1", "x")]])
    right = _Source([[("a", "1", "x")]])
    with pytest.raises(SideOutOfOrder):
        list(
            compare(Batches(left, COLUMNS), Batches(right, COLUMNS), fields=FIELDS, counts=Counts())
        )
    assert left.closed and right.closed
