"""Price-list sync over real HTTP: the sandbox ERP's contract price lists, page by page, as a
`SyncRun`; changed prices to the sandbox storefront in bulk; the ERP stays the authority."""

import io
from decimal import Decimal

import pytest
import requests
from celery import current_app
from django.core.management import call_command

from apps.core.errors import PermissionRefused, TransportError
from apps.exchange.models import Delivery, SyncRun, SyncStatus
from apps.exchange.stages.batch import sync_run
from apps.ownership.models import FieldOwnership
from apps.pricing.models import ContractPrice
from apps.quarantine.models import QuarantineItem
from apps.sandbox.bulk import bulk_received
from apps.systems.models import System

ERP_AUTH = {"Authorization": "Bearer sandbox-erp-token"}
PRICES = [
    {"account": "NW-1001", "sku": "ACME-BOLT-M8", "unit_price": "0.3400", "contract": "C-NW-2026"},
    {"account": "NW-1001", "sku": "ACME-NUT-M8", "unit_price": "0.1200", "contract": "C-NW-2026"},
    {"account": "NW-1001", "sku": "ACME-GLOVE-L", "unit_price": "6.5000", "contract": "C-NW-2026"},
    {
        "account": "NW-1002",
        "sku": "ACME-BOLT-M8",
        "unit_price": "0.3600",
        "contract": "C-NW-2026-P2",
    },
    {
        "account": "NW-1002",
        "sku": "ACME-NUT-M8",
        "unit_price": "0.1300",
        "contract": "C-NW-2026-P2",
    },
    {"account": "CT-2001", "sku": "ACME-GLOVE-L", "unit_price": "5.9000", "contract": "C-CT-1"},
]


@pytest.fixture
def erp(live_cast, settings):
    """The ERP's price lists: the seeded contract prices (one of them changed) and two new,
    served in pages of two."""
    settings.HUB_BATCH_PAGE_SIZE = 2
    load(live_cast, PRICES)
    return live_cast


def load(cast, prices: list[dict]) -> None:
    url = f"{cast.url}/sandbox/erp/price-lists/"
    answer = requests.post(url, json={"prices": prices}, headers=ERP_AUTH, timeout=10)
    assert answer.status_code == 200, answer.text


def storefront_heard() -> list[tuple]:
    """(account, SKU, price) of every price the sandbox storefront was told of, in bulk."""
    receipts = bulk_received(system="storefront", kind="prices")
    return [(p["account"], p["sku"], p["unit_price"]) for r in receipts for p in r.items]


def price(account: str, sku: str) -> ContractPrice:
    return ContractPrice.objects.get(account__number=account, product__sku=sku)


def test_the_sync_applies_new_and_changed_prices_and_pushes_only_those(erp):
    run = sync_run(name="prices", trigger="test")

    assert (run.status, run.pages, run.fetched) == (SyncStatus.SUCCEEDED, 3, 6)
    # Seeded: bolt 0.35 (now 0.34), nut 0.12, glove 6.50, P2 bolt 0.36; new: P2 nut, Contoso.
    assert (run.applied, run.unchanged, run.quarantined, run.pushed) == (3, 3, 0, 3)
    assert price("NW-1001", "ACME-BOLT-M8").unit_price == Decimal("0.34")
    new = price("CT-2001", "ACME-GLOVE-L")
    assert (new.unit_price, new.contract_number, new.authorised_by.code) == (
        Decimal("5.9"),
        "C-CT-1",
        "erp",
    )
    changed = price("NW-1001", "ACME-BOLT-M8").history.first()
    assert changed.history_change_reason == f"price-list-sync run {run.pk} from erp"
    assert sorted(storefront_heard()) == [
        ("CT-2001", "ACME-GLOVE-L", "5.9"),
        ("NW-1001", "ACME-BOLT-M8", "0.34"),
        ("NW-1002", "ACME-NUT-M8", "0.13"),
    ]


def test_a_second_run_with_nothing_changed_writes_and_pushes_nothing(erp):
    sync_run(name="prices", trigger="test")
    deliveries = Delivery.objects.count()
    history = ContractPrice.history.count()

    again = sync_run(name="prices", trigger="beat")

    assert (again.status, again.applied, again.unchanged, again.pushed) == (
        SyncStatus.SUCCEEDED,
        0,
        6,
        0,
    )
    assert Delivery.objects.count() == deliveries
    assert ContractPrice.history.count() == history


def test_prices_for_unknown_accounts_or_skus_wait_for_the_pricing_owner(erp):
    refused = [
        {"account": "NO-SUCH", "sku": "ACME-BOLT-M8", "unit_price": "1"},
        {"account": "NW-1001", "sku": "NO-SUCH-SKU", "unit_price": "1"},
        {
            "account": "NW-1001",
            "sku": "ACME-NUT-M8",
            "unit_price": "-1",
            "valid_from": "2026-07-01",
        },
    ]
    load(erp, refused)
    run = sync_run(name="prices", trigger="test")
    assert (run.status, run.quarantined) == (SyncStatus.SUCCEEDED, 3)
    items = {i.subject_key: i for i in QuarantineItem.objects.filter(flow__code="price-list-sync")}
    assert items["NO-SUCH/ACME-BOLT-M8/2026-01-01"].reason_code == "unknown_price_reference"
    assert items["NW-1001/NO-SUCH-SKU/2026-01-01"].reason_code == "unknown_price_reference"
    assert items["NW-1001/ACME-NUT-M8/2026-07-01"].reason_code == "invalid_price"
    assert {i.assigned_owner.user.username for i in items.values()} == {"pricing"}


def test_erp_page_failing_mid_run_then_the_run_resumes_from_its_cursor(erp):
    fault = {"status": 500, "count": 1, "after": 1}  # page one served, page two fails once
    requests.post(f"{erp.url}/sandbox/erp/faults/", json=fault, timeout=10).raise_for_status()

    with pytest.raises(TransportError):
        sync_run(name="prices", trigger="test")
    failed = SyncRun.objects.get()
    assert (failed.status, failed.pages, failed.fetched) == (SyncStatus.FAILED, 1, 2)
    assert failed.cursor
    assert price("NW-1001", "ACME-BOLT-M8").unit_price == Decimal("0.34"), "page one stays applied"

    resumed = sync_run(name="prices", trigger="test")

    assert resumed.pk == failed.pk
    assert (resumed.status, resumed.pages, resumed.fetched, resumed.applied) == (
        SyncStatus.SUCCEEDED,
        3,
        6,
        3,
    )
    bolt = price("NW-1001", "ACME-BOLT-M8")
    assert bolt.history.count() == 2, "seeded, then changed once: page one was not applied twice"


def test_a_storefront_write_of_a_contract_price_is_not_applied(erp, client):
    before = price("NW-1001", "ACME-BOLT-M8").unit_price
    answer = client.post(
        "/api/v1/records/contract_price/",
        {
            "key": {"account": "NW-1001", "product": "ACME-BOLT-M8", "valid_from": "2026-01-01"},
            "fields": {"unit_price": "0.01"},
        },
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="sf-price-1",
        **erp.auth(),
    )
    assert answer.status_code == 202, answer.content
    assert answer.json()["applied"] == []
    assert [q["owner_system"] for q in answer.json()["quarantined"]] == ["erp"]
    assert price("NW-1001", "ACME-BOLT-M8").unit_price == before

    run = sync_run(name="prices", trigger="test")
    assert run.status == SyncStatus.SUCCEEDED
    assert price("NW-1001", "ACME-BOLT-M8").unit_price == Decimal("0.34"), "the ERP's price"


def test_the_sync_stops_if_the_matrix_makes_another_system_the_price_authority(erp):
    rule = FieldOwnership.objects.get(entity="contract_price", field="unit_price")
    rule.owner_system = System.objects.get(code="storefront")
    rule.save()

    with pytest.raises(PermissionRefused):
        sync_run(name="prices", trigger="test")
    run = SyncRun.objects.get()
    assert run.status == SyncStatus.FAILED and "storefront" in run.error
    assert price("NW-1001", "ACME-BOLT-M8").unit_price == Decimal("0.35"), "nothing applied"


def test_the_sync_command_prints_one_summary_line(erp):
    out = io.StringIO()
    call_command("sync", "prices", "--no-progress", stdout=out)
    [line] = out.getvalue().splitlines()
    assert line.startswith("price-list-sync full run") and "succeeded" in line
    assert "applied=3 unchanged=3 quarantined=0 pushed=3 pages=3" in line


def test_beat_runs_the_price_list_sync_on_the_bulk_queue(erp, settings):
    entry = settings.CELERY_BEAT_SCHEDULE["price-list-sync"]
    assert (entry["args"], entry["options"]["queue"]) == (("prices",), "bulk")
    summary = current_app.tasks[entry["task"]].apply(args=entry["args"]).get()
    assert summary.startswith("price-list-sync full run") and "succeeded" in summary
    assert SyncRun.objects.get().trigger == "beat"


def test_the_sandbox_command_gives_the_erp_a_price_list_per_account(erp):
    out = io.StringIO()
    skus = "ACME-BOLT-M8,ACME-NUT-M8"
    call_command("sandbox_erp_prices", "--accounts", "CT-2001", "--skus", skus, stdout=out)
    assert out.getvalue().startswith("Sandbox ERP price lists hold 2 prices for 1 accounts.")
    run = sync_run(name="prices", trigger="test")
    assert ContractPrice.objects.filter(account__number="CT-2001").count() == 3
    assert run.fetched == len(PRICES) + 2
