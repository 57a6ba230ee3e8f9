"""The nightly inventory snapshot over real HTTP: the sandbox WMS's stock, page by page, as a
`SyncRun` in snapshot mode; drift is repaired and only corrected levels reach the storefront."""

from decimal import Decimal

import pytest
import requests
from celery import current_app

from apps.catalog.models import InventoryLevel, Product
from apps.catalog.services import inventory_level_upsert
from apps.core.errors import TransportError
from apps.exchange.models import SyncMode, SyncRun, SyncStatus
from apps.exchange.stages.batch import sync_run
from apps.quarantine.models import QuarantineItem
from apps.sandbox.bulk import bulk_received

SKUS = ["ACME-BOLT-M8", "ACME-NUT-M8", "ACME-GLOVE-L"]


@pytest.fixture
def stock(live_cast, settings):
    """The WMS holds 3 SKUs × 2 locations; the hub knows the same figures (as events left them).
    Pages of two rows: three pages."""
    settings.HUB_BATCH_PAGE_SIZE = 2
    levels = [
        {"sku": sku, "location": location, "on_hand": 10 * n, "available": 10 * n}
        for n, (sku, location) in enumerate(
            ((s, loc) for s in SKUS for loc in ("DC-EAST", "DC-WEST")), start=1
        )
    ]
    set_stock(live_cast, levels)
    for event in wms_stock(live_cast):
        inventory_level_upsert(
            key={"product": Product.objects.get(sku=event["sku"]), "location": event["location"]},
            values={
                "on_hand": Decimal(event["on_hand"]),
                "available": Decimal(event["available"]),
                "as_of_sequence": event["sequence"],
            },
        )
    return live_cast


def set_stock(cast, levels: list[dict]) -> None:
    answer = requests.post(f"{cast.url}/sandbox/wms/stock/", json={"levels": levels}, timeout=10)
    assert answer.status_code == 200, answer.text


def wms_stock(cast) -> list[dict]:
    return requests.get(f"{cast.url}/sandbox/wms/stock/", timeout=10).json()["stock"]


def hub_figures() -> dict:
    return {
        (level.product.sku, level.location): level.on_hand
        for level in InventoryLevel.objects.select_related("product")
    }


def wms_figures(cast) -> dict:
    return {(s["sku"], s["location"]): Decimal(str(s["on_hand"])) for s in wms_stock(cast)}


def storefront_heard() -> list[dict]:
    """Every level the sandbox storefront was told of, in bulk updates."""
    receipts = bulk_received(system="storefront", kind="inventory")
    return [level for receipt in receipts for level in receipt.items]


def test_a_snapshot_with_no_drift_changes_and_pushes_nothing(stock):
    run = sync_run(name="inventory", mode=SyncMode.SNAPSHOT, trigger="test")
    assert (run.status, run.mode, run.pages) == (SyncStatus.SUCCEEDED, SyncMode.SNAPSHOT, 3)
    assert (run.fetched, run.applied, run.unchanged, run.pushed) == (6, 0, 6, 0)
    assert storefront_heard() == []


def test_the_snapshot_repairs_drift_and_pushes_only_corrected_levels(stock):
    # Missed events: the WMS changed two levels without telling the hub.
    missed = [
        {"sku": "ACME-BOLT-M8", "location": "DC-WEST", "on_hand": 77},
        {"sku": "ACME-GLOVE-L", "location": "DC-EAST", "on_hand": 0},
    ]
    set_stock(stock, missed)
    # And a hub figure altered behind the event stream, at the same sequence.
    nut = InventoryLevel.objects.get(product__sku="ACME-NUT-M8", location="DC-EAST")
    inventory_level_upsert(
        key={"product": nut.product, "location": "DC-EAST"}, values={"on_hand": Decimal(1)}
    )

    run = sync_run(name="inventory", mode=SyncMode.SNAPSHOT, trigger="test")

    assert run.status == SyncStatus.SUCCEEDED
    assert (run.applied, run.unchanged, run.pushed) == (3, 3, 3)
    assert hub_figures() == wms_figures(stock)
    corrected = {(lv["sku"], lv["location"], lv["on_hand"]) for lv in storefront_heard()}
    assert corrected == {
        ("ACME-BOLT-M8", "DC-WEST", "77"),
        ("ACME-GLOVE-L", "DC-EAST", "0"),
        ("ACME-NUT-M8", "DC-EAST", "30"),
    }
    repaired = InventoryLevel.objects.get(product__sku="ACME-BOLT-M8", location="DC-WEST")
    assert repaired.history.first().history_change_reason == (
        f"inventory-update: snapshot run {run.pk}"
    )


def test_a_figure_newer_than_the_snapshot_row_is_kept(stock):
    bolt = InventoryLevel.objects.get(product__sku="ACME-BOLT-M8", location="DC-EAST")
    newer = bolt.as_of_sequence + 1000  # an event that arrived after the snapshot was read
    inventory_level_upsert(
        key={"product": bolt.product, "location": "DC-EAST"},
        values={"on_hand": Decimal(5), "as_of_sequence": newer},
    )
    run = sync_run(name="inventory", mode=SyncMode.SNAPSHOT, trigger="test")
    assert run.applied == 0
    assert InventoryLevel.objects.get(pk=bolt.pk).on_hand == 5


def test_wms_down_mid_snapshot_then_the_run_resumes_from_its_cursor(stock):
    set_stock(stock, [{"sku": "ACME-GLOVE-L", "location": "DC-WEST", "on_hand": 3}])
    down = {"down": True, "after": 1}  # the first page is served, then the WMS is down
    requests.post(f"{stock.url}/sandbox/wms/faults/", json=down, timeout=10).raise_for_status()

    with pytest.raises(TransportError):
        sync_run(name="inventory", mode=SyncMode.SNAPSHOT, trigger="test")
    failed = SyncRun.objects.get()
    assert (failed.status, failed.pages, failed.fetched) == (SyncStatus.FAILED, 1, 2)
    assert failed.cursor and "503" in failed.error

    requests.delete(f"{stock.url}/sandbox/wms/faults/", timeout=10).raise_for_status()
    resumed = sync_run(name="inventory", trigger="beat")

    assert resumed.pk == failed.pk, "the same run, resumed"
    assert (resumed.status, resumed.pages, resumed.fetched) == (SyncStatus.SUCCEEDED, 3, 6)
    assert resumed.applied == 1
    assert hub_figures() == wms_figures(stock)


def test_snapshot_rows_for_unknown_skus_wait_for_the_inventory_owner(stock):
    set_stock(stock, [{"sku": "NOT-IN-CATALOG", "location": "DC-EAST", "on_hand": 4}])
    run = sync_run(name="inventory", mode=SyncMode.SNAPSHOT, trigger="test")
    assert run.quarantined == 1
    item = QuarantineItem.objects.get(reason_code="unknown_sku")
    assert item.subject_key == "NOT-IN-CATALOG@DC-EAST"
    assert item.assigned_owner.user.username == "logistics"


def test_beat_runs_the_snapshot_nightly_on_the_bulk_queue(stock, settings):
    entry = settings.CELERY_BEAT_SCHEDULE["inventory-snapshot-nightly"]
    assert (entry["args"], entry["options"]["queue"]) == (("inventory",), "bulk")
    summary = current_app.tasks[entry["task"]].apply(args=entry["args"]).get()
    assert summary.startswith("inventory-update snapshot run") and "succeeded" in summary
