"""Upserts of company accounts and what hangs off them, by natural key, with history."""

from decimal import Decimal

import pytest

from apps.accounts.models import CatalogEntitlement, CompanyAccount, CreditLimit
from apps.accounts.services import (
    catalog_entitlements_upsert_bulk,
    company_account_upsert,
    company_accounts_upsert_bulk,
    credit_limit_upsert,
)
from apps.catalog.models import Product
from apps.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db


def test_account_upsert_sets_its_parent_by_reference(cast):
    parent = CompanyAccount.objects.get(number="NW-1001")
    account = company_account_upsert(
        key={"number": "NW-1003"}, values={"name": "Northwind Plant 3", "parent": parent}
    )
    assert CompanyAccount.objects.get(number="NW-1003").parent == parent
    assert account.history.get().parent_id == parent.pk


def test_account_upsert_refuses_a_parent_that_is_not_an_account_row(cast):
    with pytest.raises(ValidationFailed) as refused:
        company_account_upsert(key={"number": "NW-1003"}, values={"name": "X", "parent": "NW-1"})
    assert "parent" in refused.value.fields


def test_credit_limit_is_keyed_by_its_account(cast):
    account = CompanyAccount.objects.get(number="NW-1001")
    credit_limit_upsert(key={"account": account}, values={"limit": "5000.00"})
    credit_limit_upsert(key={"account": account}, values={"hold": True, "hold_kind": "soft"})
    limit = CreditLimit.objects.get(account=account)
    assert (limit.limit, limit.hold, limit.hold_kind) == (Decimal("5000.00"), True, "soft")
    assert [record.history_type for record in limit.history.order_by("history_id")] == ["+", "~"]


def test_credit_limit_key_must_be_an_account_row_not_its_number(cast):
    with pytest.raises(ValidationFailed) as refused:
        credit_limit_upsert(key={"account": "NW-1001"}, values={"limit": "1"})
    assert "account" in refused.value.fields


def test_entitlements_bulk_keys_on_account_and_product_pairs(cast, django_assert_max_num_queries):
    accounts = list(CompanyAccount.objects.all())
    products = list(Product.objects.all())
    rows = [{"account": a, "product": p, "allowed": True} for a in accounts for p in products]
    catalog_entitlements_upsert_bulk(rows=rows)
    rows[0]["allowed"] = False
    with django_assert_max_num_queries(6):
        result = catalog_entitlements_upsert_bulk(rows=rows)
    assert (result.created, result.updated, result.unchanged) == (0, 1, len(rows) - 1)
    assert not CatalogEntitlement.objects.get(account=accounts[0], product=products[0]).allowed


def test_accounts_bulk_names_the_row_whose_required_reference_is_missing(cast):
    rows = [{"number": "NW-2001", "name": "Fine"}, {"number": "NW-2002", "name": ""}]
    with pytest.raises(ValidationFailed) as refused:
        company_accounts_upsert_bulk(rows=rows)
    assert list(refused.value.fields) == ["rows[1].name"]
    assert not CompanyAccount.objects.filter(number="NW-2001").exists()
