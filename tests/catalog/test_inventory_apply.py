"""The catalog's ordering rule for WMS figures: an older figure never overwrites a newer one."""

from decimal import Decimal

import pytest

from apps.catalog.models import InventoryLevel, Product
from apps.catalog.services import inventory_level_upsert, inventory_levels_apply

pytestmark = pytest.mark.django_db


@pytest.fixture
def bolt(cast):
    return Product.objects.get(sku="ACME-BOLT-M8")


def figure(product, on_hand: int, sequence: int, location: str = "DC-EAST") -> dict:
    return {
        "product": product,
        "location": location,
        "on_hand": Decimal(on_hand),
        "available": Decimal(on_hand),
        "backorder_date": None,
        "as_of": None,
        "as_of_sequence": sequence,
    }


def stored(product) -> tuple:
    level = InventoryLevel.objects.get(product=product, location="DC-EAST")
    return level.on_hand, level.as_of_sequence


def test_a_newer_figure_replaces_an_older_one(bolt):
    inventory_levels_apply(rows=[figure(bolt, 5, 1)])
    applied = inventory_levels_apply(rows=[figure(bolt, 7, 2)])
    assert stored(bolt) == (7, 2) and len(applied.changed) == 1


def test_an_older_or_equal_figure_is_stale_and_writes_nothing(bolt):
    inventory_levels_apply(rows=[figure(bolt, 5, 10)])
    applied = inventory_levels_apply(rows=[figure(bolt, 1, 9), figure(bolt, 2, 10)])
    assert stored(bolt) == (5, 10)
    assert (applied.changed, len(applied.stale)) == ([], 2)
    assert InventoryLevel.history.count() == 1


def test_within_one_batch_the_highest_sequence_wins_whatever_the_order(bolt):
    applied = inventory_levels_apply(rows=[figure(bolt, 9, 3), figure(bolt, 4, 2)])
    assert stored(bolt) == (9, 3) and len(applied.stale) == 1


def test_a_snapshot_repairs_a_drifted_figure_of_the_same_sequence(bolt):
    inventory_levels_apply(rows=[figure(bolt, 5, 10)])
    level = InventoryLevel.objects.get(product=bolt)
    inventory_level_upsert(
        key={"product": bolt, "location": "DC-EAST"}, values={"on_hand": Decimal(1)}
    )
    assert inventory_levels_apply(rows=[figure(bolt, 5, 10)]).changed == []
    repaired = inventory_levels_apply(rows=[figure(bolt, 5, 10)], repair_equal=True)
    assert stored(bolt) == (5, 10) and len(repaired.changed) == 1
    assert level.history.count() == 3


def test_a_same_sequence_snapshot_row_that_agrees_changes_nothing(bolt):
    inventory_levels_apply(rows=[figure(bolt, 5, 10)])
    applied = inventory_levels_apply(rows=[figure(bolt, 5, 10)], repair_equal=True)
    assert (applied.changed, applied.refreshed, len(applied.stale)) == ([], 0, 1)


def test_a_figure_stored_before_sequences_were_kept_takes_any_wms_figure(bolt):
    inventory_level_upsert(
        key={"product": bolt, "location": "DC-EAST"}, values={"on_hand": Decimal(3)}
    )
    inventory_levels_apply(rows=[figure(bolt, 4, 0)])
    assert stored(bolt) == (4, 0)


def test_a_newer_sequence_with_the_same_figures_is_kept_but_not_reported_changed(bolt):
    inventory_levels_apply(rows=[figure(bolt, 5, 1)])
    applied = inventory_levels_apply(rows=[figure(bolt, 5, 2)])
    assert (applied.changed, applied.refreshed) == ([], 1)
    assert stored(bolt) == (5, 2), "an event older than 2 is now refused"
