"""The sorted merge classifies every key once, names changed fields and keeps tolerances."""

from decimal import Decimal

import pytest

from apps.reconciliation.engine import (
    CHANGED,
    MISSING_LEFT,
    MISSING_RIGHT,
    Counts,
    Field,
    SideOutOfOrder,
    compare,
)

FIELDS = (Field("status"), Field("qty", tolerance=Decimal("2")))


def run(left, right, fields=FIELDS):
    counts = Counts()
    return list(compare(iter(left), iter(right), fields=fields, counts=counts)), counts


def test_every_key_is_matched_missing_on_one_side_or_changed_with_its_fields():
    left = [
        ("a", {"status": "x", "qty": "1"}),
        ("b", {"status": "x", "qty": "1"}),
        ("d", {"status": "x", "qty": "5"}),
    ]
    right = [
        ("b", {"status": "x", "qty": "1"}),
        ("c", {"status": "y", "qty": "1"}),
        ("d", {"status": "z", "qty": "9"}),
    ]
    found, counts = run(left, right)
    assert [(d.key, d.kind, d.fields) for d in found] == [
        ("a", MISSING_RIGHT, ()),
        ("c", MISSING_LEFT, ()),
        ("d", CHANGED, ("status", "qty")),
    ]
    assert (counts.left, counts.right, counts.matched) == (3, 3, 1)
    assert counts.by_kind == {MISSING_RIGHT: 1, MISSING_LEFT: 1, CHANGED: 1}


def test_a_difference_within_the_tolerance_is_a_match_and_beyond_it_is_not():
    within, counts = run(
        [("k", {"status": "x", "qty": "10"})], [("k", {"status": "x", "qty": "12"})]
    )
    assert within == [] and counts.matched == 1
    beyond, _ = run([("k", {"status": "x", "qty": "10"})], [("k", {"status": "x", "qty": "12.01"})])
    assert [(d.kind, d.fields) for d in beyond] == [(CHANGED, ("qty",))]


def test_fields_not_compared_do_not_make_a_mismatch():
    found, counts = run(
        [("k", {"status": "x", "note": 1})],
        [("k", {"status": "x", "note": 2})],
        fields=(Field("status"),),
    )
    assert found == [] and counts.matched == 1


@pytest.mark.parametrize("side", ["left", "right"])
def test_a_side_out_of_key_order_is_refused_not_misread(side):
    unsorted = [("b", {}), ("a", {})]
    sorted_ = [("a", {}), ("b", {})]
    left, right = (unsorted, sorted_) if side == "left" else (sorted_, unsorted)
    with pytest.raises(SideOutOfOrder, match=side):
        run(left, right)


def test_a_repeated_key_is_refused():
    with pytest.raises(SideOutOfOrder):
        run([("a", {}), ("a", {})], [])


def test_sides_stream_through_without_being_held():
    def side(n):
        for i in range(n):
            yield f"{i:08d}", {"status": "x", "qty": "1"}

    counts = Counts()
    consumed = compare(side(200_000), side(200_000), fields=FIELDS, counts=counts)
    assert next(iter(consumed), None) is None
    assert counts.matched == 200_000
