"""Prices: the ERP's contract prices against the storefront's; each fault is found, alone."""

from decimal import Decimal
from io import StringIO

import pytest
import requests
from django.core.management import call_command
from django.urls import reverse

from apps.exchange.models import SyncStatus
from apps.exchange.stages.batch import sync_run
from apps.quarantine.models import QuarantineStatus
from apps.reconciliation.choices import RunStatus, Trigger
from apps.reconciliation.services import reconciliation_run
from apps.sandbox.views import SANDBOX_TOKEN

pytestmark = pytest.mark.django_db(transaction=True)
FROM = "2026-06-01"  # after the seeded prices: new rows, so the sync pushes every one
PRICES = [
    ("NW-1001", "ACME-BOLT-M8", "0.35"),
    ("NW-1001", "ACME-NUT-M8", "0.12"),
    ("NW-1002", "ACME-BOLT-M8", "0.36"),
    ("CT-2001", "ACME-GLOVE-L", "6.50"),
]


@pytest.fixture
def prices(live_cast):
    """The ERP's price lists hold four contract prices (one with a minimum of 10)."""
    rows = [
        {"account": a, "sku": s, "unit_price": p, "valid_from": FROM, "contract": f"C-{a}"}
        for a, s, p in PRICES
    ]
    rows[1]["min_quantity"] = "10"
    answer = requests.post(
        f"{live_cast.url}/sandbox/erp/price-lists/",
        json={"prices": rows},
        headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"},
        timeout=15,
    )
    assert answer.status_code == 200, answer.text
    return live_cast


def storefront_fault(cast, **spec) -> None:
    answer = requests.post(
        f"{cast.url}/sandbox/storefront/listing/faults/",
        json={"kind": "prices", **spec},
        timeout=15,
    )
    assert answer.status_code == 200, answer.text


def storefront_takes(cast, price: dict, key: str) -> None:
    """A price reaches the storefront some other way than the hub (a merchandiser's import)."""
    row = {"valid_from": FROM, "currency": "USD", "uom": "EA", "min_quantity": "1", **price}
    answer = requests.post(
        f"{cast.url}/sandbox/storefront/bulk/prices/",
        json={"prices": [row]},
        headers={"Idempotency-Key": key},
        timeout=15,
    )
    assert answer.status_code == 200, answer.text


def push_to_storefront() -> None:
    assert sync_run(name="prices", trigger="test").status == SyncStatus.SUCCEEDED


def reconcile():
    run = reconciliation_run(name="prices", trigger=Trigger.COMMAND)
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run


def found(run) -> set[tuple[str, str]]:
    return set(run.mismatches.values_list("key", "kind"))


def test_prices_the_storefront_shows_as_the_erp_authorises_them_agree(prices):
    push_to_storefront()
    run = reconcile()
    assert found(run) == set()
    assert (run.left_count, run.right_count, run.matched_count) == (4, 4, 4)


def test_a_price_the_storefront_dropped_is_missing_in_the_storefront(prices):
    storefront_fault(prices, action="drop", sku="ACME-NUT-M8")
    push_to_storefront()
    run = reconcile()
    key = f"NW-1001/ACME-NUT-M8/{FROM}"
    assert found(run) == {(key, "missing_in_storefront")}
    mismatch = run.mismatches.get()
    assert mismatch.value_at_stake == Decimal("1.20")  # the smallest order: 10 at 0.12
    assert mismatch.owner.user.username == "pricing"
    item = mismatch.quarantine_item
    assert item.status == QuarantineStatus.OPEN and item.assigned_owner == mismatch.owner
    assert (item.flow.code, item.subject_type, item.subject_key) == (
        "price-list-sync",
        "contract_price",
        key,
    )


def test_a_price_the_storefront_recalculated_is_a_price_mismatch(prices):
    storefront_fault(prices, action="reprice", sku="ACME-BOLT-M8", by="10", count=1)
    push_to_storefront()
    run = reconcile()
    key = f"NW-1001/ACME-BOLT-M8/{FROM}"
    assert found(run) == {(key, "price_mismatch")}
    mismatch = run.mismatches.get()
    assert mismatch.changed_fields == ["unit_price"]
    # 0.35 plus 10 %, in cents: 0.39.
    assert (mismatch.left_value["unit_price"], mismatch.right_value["unit_price"]) == (
        "0.35",
        "0.39",
    )
    assert mismatch.value_at_stake == Decimal("0.04")
    assert "recalculated" in mismatch.effect and mismatch.owner.user.username == "pricing"


def test_a_price_mismatch_drills_down_to_the_price_and_its_trace(prices, client):
    storefront_fault(prices, action="reprice", sku="ACME-NUT-M8", by="50")
    push_to_storefront()
    mismatch = reconcile().mismatches.get()
    client.force_login(prices.user("auditor"))
    page = client.get(reverse("admin:reconciliation_mismatch", args=[mismatch.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'class="changed"><th>unit_price</th>' in text and "0.18" in text
    # The key holds slashes (account/SKU/valid from); the trace link keeps them.
    trace = reverse("operations:trace", args=["contract_price", mismatch.key])
    assert trace.endswith(f"/contract_price/NW-1001/ACME-NUT-M8/{FROM}/") and trace in text
    assert client.get(trace).status_code == 200


def test_a_price_the_erp_never_authorised_is_found(prices):
    push_to_storefront()
    storefront_takes(
        prices, {"account": "CT-2001", "sku": "ACME-NUT-M8", "unit_price": "0.10"}, "m1"
    )
    run = reconcile()
    assert found(run) == {(f"CT-2001/ACME-NUT-M8/{FROM}", "price_not_authorised")}
    mismatch = run.mismatches.get()
    assert mismatch.left_value is None and mismatch.value_at_stake == Decimal("0.10")
    assert "does not authorise" in mismatch.effect


def test_other_terms_than_the_price_are_a_terms_mismatch(prices):
    push_to_storefront()
    storefront_takes(
        prices,
        {
            "account": "NW-1002",
            "sku": "ACME-BOLT-M8",
            "unit_price": "0.36",
            "valid_to": "2026-12-31",
        },
        "t1",
    )
    run = reconcile()
    assert found(run) == {(f"NW-1002/ACME-BOLT-M8/{FROM}", "terms_mismatch")}
    assert run.mismatches.get().changed_fields == ["valid_to"]


def test_a_corrected_price_closes_its_item_and_trailing_zeros_are_no_difference(prices):
    storefront_fault(prices, action="reprice", sku="ACME-GLOVE-L", by="-5")
    push_to_storefront()
    first = reconcile()
    key = f"CT-2001/ACME-GLOVE-L/{FROM}"
    assert found(first) == {(key, "price_mismatch")}
    assert first.mismatches.get().right_value["unit_price"] == "6.18"
    item = first.mismatches.get().quarantine_item

    requests.delete(f"{prices.url}/sandbox/storefront/listing/faults/", timeout=10)
    storefront_takes(
        prices, {"account": "CT-2001", "sku": "ACME-GLOVE-L", "unit_price": "6.5000"}, "f1"
    )
    clean = reconcile()
    assert clean.mismatch_count == 0 and (clean.resolved_count, clean.closed_items) == (1, 1)
    item.refresh_from_db()
    assert item.status == QuarantineStatus.RESOLVED


def test_the_command_prints_one_summary_line(prices):
    storefront_fault(prices, action="drop")
    push_to_storefront()
    out = StringIO()
    call_command("reconcile", "prices", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1
    assert "reconcile prices run" in lines[0]
    assert "erp-storefront:missing_in_storefront=4" in lines[0]
