"""The sandbox WMS and ERP price lists as simulated systems: events, snapshot, faults."""

import pytest

from apps.core.errors import ValidationFailed
from apps.sandbox.models import SandboxStock
from apps.sandbox.services import fault_set, fault_take
from apps.sandbox.wms import wms_events_make, wms_snapshot_page, wms_stock_set

pytestmark = pytest.mark.django_db
SKUS, PLACES = ["A", "B"], ["DC-1"]


def test_events_carry_a_growing_sequence_and_the_stock_takes_the_newest():
    events, _, _ = wms_events_make(count=5, skus=SKUS, locations=PLACES)
    assert [e["sequence"] for e in events] == [1, 2, 3, 4, 5]
    stock = {s.sku: s.sequence for s in SandboxStock.objects.all()}
    assert stock == {"A": 5, "B": 4}


def test_held_back_events_go_after_a_newer_event_for_their_level():
    events, resent, late = wms_events_make(count=6, skus=SKUS, locations=PLACES, out_of_order=2)
    assert (resent, late) == (0, 2)
    assert [e["sequence"] for e in events] == [3, 4, 5, 6, 1, 2]


def test_resent_events_keep_their_id():
    events, resent, _ = wms_events_make(count=3, skus=SKUS, locations=PLACES, duplicates=2)
    assert resent == 2
    assert [e["event_id"] for e in events[3:]] == [e["event_id"] for e in events[:2]]


def test_the_snapshot_pages_without_an_empty_last_page():
    wms_stock_set(levels=[{"sku": s, "location": "DC-1", "on_hand": 1} for s in "ABC"])
    status, first = wms_snapshot_page(after="", limit=2)
    assert status is None and len(first["results"]) == 2 and first["next"]
    _, last = wms_snapshot_page(after=first["next"], limit=2)
    assert [r["sku"] for r in last["results"]] == ["C"] and last["next"] is None
    assert last["total"] == 3


def test_a_fault_after_n_calls_serves_those_first():
    fault_set(system="wms", spec={"down": True, "after": 2})
    assert [fault_take(system="wms")[0] for _ in range(4)] == [None, None, 503, 503]


def test_after_must_be_a_count():
    with pytest.raises(ValidationFailed):
        fault_set(system="wms", spec={"down": True, "after": -1})
