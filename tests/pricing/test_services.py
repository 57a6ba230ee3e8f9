"""Upserts of contract prices and contracts: a price-list page in a constant number of queries."""

import datetime
from decimal import Decimal

import pytest

from apps.accounts.models import CompanyAccount
from apps.catalog.models import Product
from apps.catalog.services import products_upsert_bulk
from apps.core.errors import ValidationFailed
from apps.pricing.models import ContractPrice
from apps.pricing.services import contract_price_upsert, contract_prices_upsert_bulk
from apps.systems.models import System

pytestmark = pytest.mark.django_db
START = datetime.date(2031, 1, 1)  # after every seeded price


def test_contract_price_upsert_keys_on_account_product_and_start(cast):
    erp = System.objects.get(code="erp")
    key = {
        "account": CompanyAccount.objects.get(number="NW-1001"),
        "product": Product.objects.get(sku="ACME-BOLT-M8"),
        "valid_from": START,
    }
    contract_price_upsert(key=key, values={"unit_price": "0.30", "authorised_by": erp})
    price = contract_price_upsert(key=key, values={"unit_price": "0.31"})
    assert ContractPrice.objects.get(pk=price.pk).unit_price == Decimal("0.31")
    assert price.history.count() == 2


def test_contract_price_needs_the_system_that_authorised_it(cast):
    key = {
        "account": CompanyAccount.objects.get(number="NW-1001"),
        "product": Product.objects.get(sku="ACME-BOLT-M8"),
        "valid_from": START,
    }
    with pytest.raises(ValidationFailed) as refused:
        contract_price_upsert(key=key, values={"unit_price": "0.30"})
    assert "authorised_by" in refused.value.fields


def test_price_page_of_200_is_written_in_a_constant_number_of_queries(
    cast, django_assert_max_num_queries
):
    erp = System.objects.get(code="erp")
    account = CompanyAccount.objects.get(number="NW-1001")
    products = products_upsert_bulk(
        rows=[{"sku": f"PRICED-{n:03d}", "name": f"Priced {n}"} for n in range(200)]
    ).records
    rows = [
        {"account": account, "product": product, "valid_from": START, "unit_price": "1.00"}
        | {"authorised_by": erp}
        for product in products
    ]
    # Per table one statement on PostgreSQL; SQLite splits them at 999 parameters (~4 here).
    with django_assert_max_num_queries(12):
        created = contract_prices_upsert_bulk(rows=rows, reason="price-list sync")
    for row in rows:
        row["unit_price"] = "1.10"
    with django_assert_max_num_queries(12):
        changed = contract_prices_upsert_bulk(rows=rows, reason="price-list sync")
    assert (created.created, changed.updated) == (200, 200)
    assert ContractPrice.objects.filter(account=account, unit_price=Decimal("1.10")).count() == 200
    assert ContractPrice.history.filter(history_change_reason="price-list sync").count() == 400


def test_price_page_with_a_missing_authoriser_names_the_row(cast):
    row = {
        "account": CompanyAccount.objects.get(number="NW-1001"),
        "product": Product.objects.get(sku="ACME-NUT-M8"),
        "valid_from": START,
        "unit_price": "1.00",
    }
    with pytest.raises(ValidationFailed) as refused:
        contract_prices_upsert_bulk(rows=[row])
    assert list(refused.value.fields) == ["rows[0].authorised_by"]
