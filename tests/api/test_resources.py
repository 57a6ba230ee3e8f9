"""The read resources: scoped to the caller's entitlements, filterable, paginated."""

import pytest

from apps.accounts.models import CatalogEntitlement, CompanyAccount
from apps.catalog.models import InventoryLevel, Product
from apps.orders.models import OrderStatus
from tests.api.partner_world import client_for, order_post, order_to

pytestmark = pytest.mark.django_db


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_accounts_are_the_callers_entitled_ones(cast):
    rows = results(client_for(cast.token).get("/api/v1/accounts/"))
    assert [row["number"] for row in rows] == ["NW-1001", "NW-1002"]
    assert rows[1]["parent"] == "NW-1001" and rows[1]["credit_status"] == "ok"


def test_an_open_account_buys_the_whole_catalog_a_restricted_one_only_its_rows(cast):
    api = client_for(cast.token)
    everything = {row["sku"] for row in results(api.get("/api/v1/products/"))}
    assert everything == set(Product.objects.values_list("sku", flat=True))
    for number in ("NW-1001", "NW-1002"):
        account = CompanyAccount.objects.get(number=number)
        CatalogEntitlement.objects.create(
            account=account, product=Product.objects.get(sku="ACME-BOLT-M8")
        )
    assert [row["sku"] for row in results(api.get("/api/v1/products/"))] == ["ACME-BOLT-M8"]
    assert results(api.get("/api/v1/products/?sku=ACME-NUT-M8")) == []


def test_prices_answer_the_authorised_price_for_an_account_and_sku(cast):
    api = client_for(cast.token)
    rows = results(api.get("/api/v1/prices/?account=NW-1001&sku=ACME-BOLT-M8"))
    assert len(rows) == 1
    assert rows[0]["unit_price"] == "0.3500" and rows[0]["authorised_by"] == "erp"
    assert rows[0]["contract"] == "C-NW-2026"
    assert results(api.get("/api/v1/prices/?account=NW-1001&on=2025-06-01")) == []


def test_a_price_not_buyable_for_a_restricted_account_is_not_shown(cast):
    account = CompanyAccount.objects.get(number="NW-1001")
    CatalogEntitlement.objects.create(
        account=account, product=Product.objects.get(sku="ACME-NUT-M8"), allowed=True
    )
    rows = results(client_for(cast.token).get("/api/v1/prices/?account=NW-1001"))
    assert {row["sku"] for row in rows} == {"ACME-NUT-M8"}


def test_another_partners_account_answers_as_an_unknown_one(cast):
    api = client_for(cast.token)
    theirs, unknown = (
        api.get("/api/v1/prices/?account=CT-2001"),
        api.get("/api/v1/prices/?account=ZZ-0000"),
    )
    assert theirs.status_code == unknown.status_code == 404
    assert theirs.json()["error"]["code"] == unknown.json()["error"]["code"] == "not_found"


def test_a_bad_date_is_a_400_with_the_field_named(cast):
    answer = client_for(cast.token).get("/api/v1/prices/?on=yesterday")
    assert answer.status_code == 400 and "on" in answer.json()["error"]["fields"]


def test_inventory_by_location(cast):
    product = Product.objects.get(sku="ACME-BOLT-M8")
    InventoryLevel.objects.create(product=product, location="DAYTON", available=1200)
    InventoryLevel.objects.create(product=product, location="RENO", available=0)
    rows = results(client_for(cast.token).get("/api/v1/inventory/?sku=ACME-BOLT-M8"))
    assert [(row["location"], row["available"]) for row in rows] == [
        ("DAYTON", "1200.0000"),
        ("RENO", "0.0000"),
    ]


def test_orders_list_filters_and_pages(cast):
    api = client_for(cast.token)
    numbers = [order_post(api, f"list-{n}", po_number=f"PO-L{n}")["number"] for n in range(3)]
    order_to(numbers[0], OrderStatus.ACKNOWLEDGED)
    page = api.get("/api/v1/orders/?page_size=2").json()
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
    acknowledged = results(api.get("/api/v1/orders/?status=acknowledged"))
    assert [row["number"] for row in acknowledged] == [numbers[0]]
    assert results(api.get("/api/v1/orders/?po_number=PO-L2"))[0]["number"] == numbers[2]
    assert api.get("/api/v1/orders/?page=9").status_code == 404
    assert api.get("/api/v1/orders/?status=nonsense").status_code == 400
