"""Writes to contracts, price lists and contract prices, one at a time or a page at a time."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser

from apps.core.upsert import BulkResult, upsert_bulk, upsert_one
from apps.pricing.models import Contract, ContractPrice, PriceList

CONTRACT_KEY = ("number",)
PRICE_LIST_KEY = ("code",)
CONTRACT_PRICE_KEY = ("account", "product", "valid_from")


def contract_upsert(
    *, key: dict, values: dict, actor: AbstractBaseUser | None = None, reason: str = ""
) -> Contract:
    """Create or change the contract with this number."""
    return upsert_one(
        Contract, key_fields=CONTRACT_KEY, key=key, values=values, actor=actor, reason=reason
    )


def contracts_upsert_bulk(
    *, rows: list[dict], actor: AbstractBaseUser | None = None, reason: str = ""
) -> BulkResult:
    """Create or change many contracts by number in a fixed number of queries."""
    return upsert_bulk(Contract, key_fields=CONTRACT_KEY, rows=rows, actor=actor, reason=reason)


def price_list_upsert(
    *, key: dict, values: dict, actor: AbstractBaseUser | None = None, reason: str = ""
) -> PriceList:
    """Create or change the price list with this code."""
    return upsert_one(
        PriceList, key_fields=PRICE_LIST_KEY, key=key, values=values, actor=actor, reason=reason
    )


def price_lists_upsert_bulk(
    *, rows: list[dict], actor: AbstractBaseUser | None = None, reason: str = ""
) -> BulkResult:
    """Create or change many price lists by code in a fixed number of queries."""
    return upsert_bulk(PriceList, key_fields=PRICE_LIST_KEY, rows=rows, actor=actor, reason=reason)


def contract_price_upsert(
    *, key: dict, values: dict, actor: AbstractBaseUser | None = None, reason: str = ""
) -> ContractPrice:
    """Create or change one account's price for a product from a date."""
    return upsert_one(
        ContractPrice,
        key_fields=CONTRACT_PRICE_KEY,
        key=key,
        values=values,
        actor=actor,
        reason=reason,
    )


def contract_prices_upsert_bulk(
    *, rows: list[dict], actor: AbstractBaseUser | None = None, reason: str = ""
) -> BulkResult:
    """Create or change many contract prices in a fixed number of queries."""
    return upsert_bulk(
        ContractPrice, key_fields=CONTRACT_PRICE_KEY, rows=rows, actor=actor, reason=reason
    )
