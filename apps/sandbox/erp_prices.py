"""The sandbox ERP's contract price lists: loaded by tests and the demo, served in pages."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal, InvalidOperation

from django.db import transaction

from apps.core.errors import ValidationFailed
from apps.sandbox.models import SandboxPrice
from apps.sandbox.services import fault_take

ERP = "erp"
PRICE_FIELDS = ("unit_price", "currency", "uom", "valid_to", "min_quantity", "contract")


@transaction.atomic
def erp_prices_load(*, prices: list[dict]) -> int:
    """Create or change prices in the ERP (by account, SKU and start date); returns how many."""
    for index, price in enumerate(prices):
        try:
            values = _values(price)
        except (KeyError, ValueError, InvalidOperation) as exc:
            raise ValidationFailed(f"prices[{index}] is not a price: {exc}") from exc
        SandboxPrice.objects.update_or_create(
            account=price["account"],
            sku=price["sku"],
            valid_from=datetime.date.fromisoformat(price.get("valid_from", "2026-01-01")),
            defaults=values,
        )
    return len(prices)


def _values(price: dict) -> dict:
    values = {"unit_price": Decimal(str(price["unit_price"]))}
    for name in ("currency", "uom", "contract"):
        if name in price:
            values[name] = price[name]
    if price.get("valid_to"):
        values["valid_to"] = datetime.date.fromisoformat(price["valid_to"])
    if "min_quantity" in price:
        values["min_quantity"] = Decimal(str(price["min_quantity"]))
    return values


def erp_prices_page(*, after: str, limit: int, account: str = "") -> tuple[int | None, dict]:
    """One page of the ERP's price lists (one account's when `account` is given)."""
    status, _ = fault_take(system=ERP)
    if status:
        return status, {"error": "sandbox fault: the ERP is not answering"}
    start = int(after) if after.isdigit() else 0
    rows = SandboxPrice.objects.filter(pk__gt=start).order_by("pk")
    if account:
        rows = rows.filter(account=account)
    # One row more than asked: whether another page follows, without an empty last page.
    page = list(rows[: limit + 1])
    more, page = len(page) > limit, page[:limit]
    return None, {
        "results": [_price_out(row) for row in page],
        "next": str(page[-1].pk) if more else None,
        "total": rows.count(),
    }


def _price_out(row: SandboxPrice) -> dict:
    return {
        "account": row.account,
        "sku": row.sku,
        "unit_price": format(row.unit_price.normalize(), "f"),
        "currency": row.currency,
        "uom": row.uom,
        "valid_from": row.valid_from.isoformat(),
        "valid_to": row.valid_to.isoformat() if row.valid_to else None,
        "min_quantity": format(row.min_quantity.normalize(), "f"),
        "contract": row.contract,
    }


def erp_prices_generate(*, accounts: list[str], skus: list[str], seed: int = 14) -> int:
    """A contract price for every account and SKU (the same seed, the same prices)."""
    rng = random.Random(seed)
    prices = [
        {
            "account": account,
            "sku": sku,
            "unit_price": f"{rng.randint(5, 5000) / 100:.2f}",
            "contract": f"C-{account}",
        }
        for account in accounts
        for sku in skus
    ]
    return erp_prices_load(prices=prices)
