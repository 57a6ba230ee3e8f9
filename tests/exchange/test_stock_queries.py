"""The inventory and price-list paths' SQL is flat in the size of a batch or page: reads in
bulk, writes and history in bulk, one delivery per batch. Measured in process (no network:
the cast's systems are unreachable and deliveries wait for a commit that a test never makes).
"""

import datetime
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.models import CompanyAccount
from apps.catalog.models import InventoryLevel, Product
from apps.catalog.services import products_upsert_bulk
from apps.exchange.handlers import handler_for
from apps.exchange.models import Delivery, SyncMode, SyncRun
from apps.exchange.services import intake_receive
from apps.flows.models import Flow
from apps.pricing.models import ContractPrice
from apps.systems.models import System

pytestmark = pytest.mark.django_db

SMALL, LARGE = 5, 200
# What a batch of any size costs, at most: envelope, trace, matrix, products, dedup, levels
# (lock read, upsert read, insert, history), quarantine, delivery.
BATCH_QUERY_BUDGET = 32
PAGE_QUERY_BUDGET = 18


def assert_flat(small: int, large: int, budget: int) -> None:
    """`large` records cost what `small` ones do: no query per record, only per table."""
    assert small <= budget
    if connection.vendor == "postgresql":
        assert large == small
    else:
        # SQLite takes at most 999 parameters a statement, so Django splits a bulk statement
        # of many rows into a few; still nowhere near one query per record.
        assert small <= large <= small + LARGE // 20


@pytest.fixture
def products(cast):
    rows = [{"sku": f"Q-{n:04d}", "name": f"Product {n}"} for n in range(LARGE)]
    products_upsert_bulk(rows=rows)
    return list(Product.objects.filter(sku__startswith="Q-").order_by("sku"))


def events(count: int, start: int) -> bytes:
    moment = timezone.now().isoformat()
    batch = [
        {
            "event_id": f"EV-{start}-{n}",
            "sku": f"Q-{n:04d}",
            "location": "DC-EAST",
            "on_hand": str(n),
            "available": str(n),
            "sequence": start + n,
            "occurred_at": moment,
        }
        for n in range(count)
    ]
    return json.dumps({"events": batch}).encode()


def receive(raw: bytes, key: str):
    return intake_receive(
        flow_code="inventory-update",
        partner=System.objects.get(code="wms"),
        idempotency_key=key,
        raw=raw,
        content_type="application/json",
        signature_problem="",
    )


def queries_of(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


def test_an_event_batch_costs_the_same_queries_for_5_or_200_events(products):
    receive(events(1, 10_000), "warm-up")  # first use: sequences, content types
    small = queries_of(lambda: receive(events(SMALL, 20_000), "small"))
    large = queries_of(lambda: receive(events(LARGE, 30_000), "large"))
    assert_flat(small, large, BATCH_QUERY_BUDGET)
    assert InventoryLevel.objects.count() == LARGE
    assert Delivery.objects.filter(flow__code="inventory-update").count() == 3, "one per batch"


def test_a_batch_of_updates_costs_the_same_queries_for_5_or_200_levels(products):
    receive(events(LARGE, 10_000), "first")  # every level exists afterwards
    small = queries_of(lambda: receive(events(SMALL, 20_000), "update-small"))
    large = queries_of(lambda: receive(events(LARGE, 30_000), "update-large"))
    assert_flat(small, large, BATCH_QUERY_BUDGET)
    assert InventoryLevel.history.count() == 2 * LARGE + SMALL


def run_of(flow_code: str, mode: str) -> SyncRun:
    now = timezone.now()
    flow = Flow.objects.get(code=flow_code)
    return SyncRun.objects.create(flow=flow, mode=mode, started_at=now, heartbeat_at=now)


def page_queries(flow_code: str, run: SyncRun, records: list[dict]) -> int:
    handler = handler_for(flow_code)

    def page():
        prepared = handler.prepare(run=run, records=records)
        written = handler.write(run=run, good=prepared.good)
        handler.push(run=run, changed=written.changed)

    return queries_of(page)


def price_rows(count: int, cents: int) -> list[dict]:
    return [
        {
            "account": "NW-1001",
            "sku": f"Q-{n:04d}",
            "unit_price": f"{n}.{cents:02d}",
            "valid_from": "2026-01-01",
            "contract": "C-NW-2026",
        }
        for n in range(count)
    ]


def test_a_price_page_costs_the_same_queries_for_5_or_200_prices(products):
    run = run_of("price-list-sync", SyncMode.FULL)
    page_queries("price-list-sync", run, price_rows(1, 1))  # warm-up
    small = page_queries("price-list-sync", run, price_rows(SMALL, 2))
    large = page_queries("price-list-sync", run, price_rows(LARGE, 3))
    assert_flat(small, large, PAGE_QUERY_BUDGET)
    account = CompanyAccount.objects.get(number="NW-1001")
    assert ContractPrice.objects.filter(account=account, product__in=products).count() == LARGE
    unchanged = page_queries("price-list-sync", run, price_rows(LARGE, 3))
    assert unchanged < small, "an unchanged page reads and writes nothing else"


def snapshot_rows(count: int, on_hand: int) -> list[dict]:
    moment = (timezone.now() - datetime.timedelta(minutes=1)).isoformat()
    return [
        {
            "sku": f"Q-{n:04d}",
            "location": "DC-WEST",
            "on_hand": str(on_hand),
            "available": str(on_hand),
            "sequence": 1,
            "occurred_at": moment,
        }
        for n in range(count)
    ]


def test_a_snapshot_page_costs_the_same_queries_for_5_or_200_levels(products):
    run = run_of("inventory-update", SyncMode.SNAPSHOT)
    page_queries("inventory-update", run, snapshot_rows(1, 1))  # warm-up
    small = page_queries("inventory-update", run, snapshot_rows(SMALL, 2))
    large = page_queries("inventory-update", run, snapshot_rows(LARGE, 3))
    assert_flat(small, large, PAGE_QUERY_BUDGET)
    assert InventoryLevel.objects.filter(location="DC-WEST", on_hand=Decimal(3)).count() == LARGE
