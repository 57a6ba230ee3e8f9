"""Inventory: the WMS's stock against the storefront's; each injected fault is found, alone."""

from decimal import Decimal
from io import StringIO

import pytest
import requests
from django.core.management import call_command
from django.urls import reverse

from apps.exchange.models import SyncMode, SyncStatus
from apps.exchange.stages.batch import sync_run
from apps.quarantine.models import QuarantineStatus
from apps.reconciliation.choices import RunStatus, Trigger
from apps.reconciliation.definitions.inventory import TOLERANCE
from apps.reconciliation.services import reconciliation_run
from apps.systems.models import System

pytestmark = pytest.mark.django_db(transaction=True)
SKUS = ["ACME-BOLT-M8", "ACME-NUT-M8", "ACME-GLOVE-L"]


@pytest.fixture
def stock(live_cast):
    """The WMS holds 3 SKUs at 2 locations (10 to 60 units); the WMS snapshot pushed them all."""
    levels = [
        {"sku": sku, "location": location, "on_hand": 10 * n, "available": 10 * n}
        for n, (sku, location) in enumerate(
            ((s, loc) for s in SKUS for loc in ("DC-EAST", "DC-WEST")), start=1
        )
    ]
    post(live_cast, "wms/stock/", {"levels": levels})
    return live_cast


def post(cast, path: str, body: dict, key: str = "") -> dict:
    headers = {"Idempotency-Key": key} if key else {}
    answer = requests.post(f"{cast.url}/sandbox/{path}", json=body, headers=headers, timeout=15)
    assert answer.status_code == 200, answer.text
    return answer.json()


def storefront_fault(cast, **spec) -> None:
    post(cast, "storefront/listing/faults/", {"kind": "inventory", **spec})


def push_to_storefront() -> None:
    """The nightly snapshot: the hub applies the WMS's figures and pushes what changed."""
    assert sync_run(name="inventory", mode=SyncMode.SNAPSHOT, trigger="test").status == (
        SyncStatus.SUCCEEDED
    )


def reconcile():
    run = reconciliation_run(name="inventory", trigger=Trigger.COMMAND)
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run


def found(run) -> set[tuple[str, str]]:
    return set(run.mismatches.values_list("key", "kind"))


def test_stock_the_storefront_shows_as_the_wms_holds_it_agrees(stock):
    push_to_storefront()
    run = reconcile()
    assert found(run) == set()
    assert (run.left_count, run.right_count, run.matched_count) == (6, 6, 6)


def test_a_level_the_storefront_dropped_is_missing_in_the_storefront(stock):
    storefront_fault(stock, action="drop", sku="ACME-GLOVE-L", count=1)
    push_to_storefront()
    run = reconcile()
    assert found(run) == {("ACME-GLOVE-L@DC-EAST", "missing_in_storefront")}
    mismatch = run.mismatches.get()
    # 50 units at the lowest contract price in force, 6.50.
    assert mismatch.value_at_stake == Decimal("325.00") == run.value_at_stake
    assert mismatch.owner.user.username == "logistics"
    assert mismatch.right_value is None and mismatch.left_value["available"] == "50"
    assert "does not list it" in mismatch.effect and "re-check" in mismatch.suggested_action
    item = mismatch.quarantine_item
    assert item.status == QuarantineStatus.OPEN and item.assigned_owner == mismatch.owner
    assert (item.flow.code, item.subject_type, item.subject_key) == (
        "inventory-update",
        "inventory",
        "ACME-GLOVE-L@DC-EAST",
    )


def test_a_quantity_drift_beyond_the_tolerance_is_found_with_its_value(stock):
    storefront_fault(stock, action="drift", sku="ACME-BOLT-M8", by="5", count=1)
    push_to_storefront()
    run = reconcile()
    assert found(run) == {("ACME-BOLT-M8@DC-EAST", "quantity_drift")}
    mismatch = run.mismatches.get()
    assert mismatch.changed_fields == ["available", "on_hand"]
    assert (mismatch.left_value["available"], mismatch.right_value["available"]) == ("10", "15")
    assert mismatch.value_at_stake == Decimal("1.75")  # 5 units at 0.35
    assert "+5" in mismatch.effect and "not there" in mismatch.effect
    assert mismatch.owner.user.username == "logistics"


def test_a_drift_drills_down_to_both_figures_and_the_level_trace(stock, client):
    storefront_fault(stock, action="drift", sku="ACME-GLOVE-L", by="-9", count=1)
    push_to_storefront()
    mismatch = reconcile().mismatches.get()
    client.force_login(stock.user("auditor"))
    page = client.get(reverse("admin:reconciliation_mismatch", args=[mismatch.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'class="changed"><th>available</th>' in text and "41" in text
    trace = reverse("operations:trace", args=["inventory", "ACME-GLOVE-L@DC-EAST"])
    assert trace in text and client.get(trace).status_code == 200


def test_drift_up_to_the_tolerance_is_not_a_mismatch_and_just_past_it_is(stock):
    assert TOLERANCE == 2
    storefront_fault(stock, action="drift", sku="ACME-BOLT-M8", by="2", count=1)
    storefront_fault(stock, action="drift", sku="ACME-NUT-M8", by="-2", count=1)
    storefront_fault(stock, action="drift", sku="ACME-GLOVE-L", by="2.0001", count=1)
    storefront_fault(stock, action="drift", sku="ACME-GLOVE-L", by="-2.0001", count=1)
    push_to_storefront()
    run = reconcile()
    assert found(run) == {
        ("ACME-GLOVE-L@DC-EAST", "quantity_drift"),
        ("ACME-GLOVE-L@DC-WEST", "quantity_drift"),
    }
    assert run.matched_count == 4
    under = run.mismatches.get(key="ACME-GLOVE-L@DC-WEST")
    assert under.right_value["available"] == "57.9999" and "-2.0001" in under.effect


def test_a_level_only_the_storefront_shows_is_missing_in_the_wms(stock):
    push_to_storefront()
    phantom = {"sku": "ACME-BOLT-M8", "location": "DC-NORTH", "on_hand": "8", "available": "8"}
    post(stock, "storefront/bulk/inventory/", {"inventory": [phantom]}, key="x1")
    run = reconcile()
    assert found(run) == {("ACME-BOLT-M8@DC-NORTH", "missing_in_wms")}
    mismatch = run.mismatches.get()
    assert mismatch.value_at_stake == Decimal("2.80") and "cannot ship" in mismatch.effect


def test_a_wms_sku_the_hub_does_not_know_is_missing_in_the_storefront(stock):
    push_to_storefront()
    post(
        stock,
        "wms/stock/",
        {"levels": [{"sku": "NOT-IN-CATALOG", "location": "DC-EAST", "on_hand": 4}]},
    )
    run = reconcile()
    assert found(run) == {("NOT-IN-CATALOG@DC-EAST", "missing_in_storefront")}
    assert run.mismatches.get().value_at_stake is None  # no price known: no value claimed


def test_a_drift_closes_with_its_item_on_the_next_clean_run(stock):
    storefront_fault(stock, action="drift", sku="ACME-NUT-M8", by="-7", count=1)
    push_to_storefront()
    first = reconcile()
    assert found(first) == {("ACME-NUT-M8@DC-EAST", "quantity_drift")}
    item = first.mismatches.get().quarantine_item

    again = reconcile()  # not fixed yet: the same item carries on
    assert again.opened_items == 0 and again.mismatches.get().quarantine_item == item

    fixed = {"sku": "ACME-NUT-M8", "location": "DC-EAST", "on_hand": "30", "available": "30"}
    post(stock, "storefront/bulk/inventory/", {"inventory": [fixed]}, key="fix")
    clean = reconcile()
    assert clean.mismatch_count == 0
    assert (clean.resolved_count, clean.closed_items) == (1, 1)
    item.refresh_from_db()
    assert item.status == QuarantineStatus.RESOLVED


def test_an_unreachable_storefront_fails_the_run_and_resolves_nothing(stock):
    storefront_fault(stock, action="drop", sku="ACME-BOLT-M8", count=1)
    push_to_storefront()
    open_run = reconcile()
    System.objects.filter(code="storefront").update(base_url="http://127.0.0.1:9/sandbox/sf/")
    failed = reconciliation_run(name="inventory", trigger=Trigger.COMMAND)
    assert failed.status == RunStatus.FAILED and "unreachable" in failed.error
    assert open_run.mismatches.get().resolved_at is None


def test_the_command_prints_one_summary_line(stock):
    storefront_fault(stock, action="drift", sku="ACME-BOLT-M8", by="3", count=1)
    push_to_storefront()
    out = StringIO()
    call_command("reconcile", "inventory", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1
    assert "reconcile inventory run" in lines[0] and "wms-storefront:quantity_drift=1" in lines[0]


def test_listing_fault_spec_is_checked(live_cast):
    url = f"{live_cast.url}/sandbox/storefront/listing/faults/"
    for spec, word in (
        ({"kind": "inventory", "action": "reprice", "by": "5"}, "action"),
        ({"kind": "orders", "action": "drop"}, "kind"),
        ({"kind": "inventory", "action": "drift"}, "by"),
        ({"kind": "inventory", "action": "drop", "count": 0}, "count"),
        ({"kind": "inventory", "action": "drop", "when": "now"}, "when"),
    ):
        answer = requests.post(url, json=spec, timeout=10)
        assert answer.status_code == 400 and word in answer.json()["error"], spec


def test_a_figure_that_is_not_a_number_fails_the_run_and_says_which(stock):
    push_to_storefront()
    garbage = {"sku": "ACME-BOLT-M8", "location": "DC-EAST", "on_hand": "ten", "available": "10"}
    post(stock, "storefront/bulk/inventory/", {"inventory": [garbage]}, key="garbage")
    run = reconciliation_run(name="inventory", trigger=Trigger.COMMAND)
    assert run.status == RunStatus.FAILED and run.finished_at is not None
    assert run.error == "A system sent 'ten' where a number belongs."
