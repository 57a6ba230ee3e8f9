"""Prices: the ERP's contract prices against the prices the storefront shows each account.

The ERP is the authority for contract prices (the matrix); the storefront may only show what
the ERP authorises, as the price-list sync pushed it. A price is one record per
account/SKU/valid-from, the key the hub names it by on its trace. The ERP's SKUs are mapped
to the hub's as the sync maps them. Amounts compare as numbers: "0.35" is "0.3500".
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from itertools import islice

from apps.catalog.selectors import products_for
from apps.connectors.rest.pages import get_pages
from apps.reconciliation.engine import MISSING_LEFT, MISSING_RIGHT, Difference, Field
from apps.reconciliation.ordering import in_key_order
from apps.reconciliation.registry import (
    Assessment,
    Comparison,
    Reconciliation,
    RunContext,
    registry,
)
from apps.reconciliation.sources import figure, system_rows
from apps.systems.models import System

FIELDS = tuple(
    Field(name) for name in ("unit_price", "currency", "uom", "min_quantity", "valid_to")
)
# What the buyer pays; a difference only in the other fields is in the price's terms.
PRICE = {"unit_price", "currency"}
PAGE = 500


def _record(row: dict, sku: str) -> dict:
    return {
        "account": row.get("account"),
        "sku": sku,
        "valid_from": row.get("valid_from"),
        "unit_price": figure(row.get("unit_price")),
        "currency": row.get("currency") or "USD",
        "uom": row.get("uom") or "EA",
        "min_quantity": figure(row.get("min_quantity") or 1),
        "valid_to": row.get("valid_to"),
    }


def _key(record: dict) -> str:
    return f"{record['account']}/{record['sku']}/{record['valid_from']}"


def _mapped(erp: System, rows: Iterator[dict]):
    # A page at a time: three queries map a page's SKUs, as the price-list sync maps them.
    while page := list(islice(rows, PAGE)):
        products = products_for(system=erp, skus=[row["sku"] for row in page])
        for row in page:
            product = products.get(row["sku"])
            # A SKU the hub does not know keeps the ERP's spelling: the storefront lacks it.
            record = _record(row, product.sku if product else row["sku"])
            yield _key(record), record


def erp_prices(context: RunContext):
    erp = System.objects.get(code="erp")
    return in_key_order(_mapped(erp, iter(get_pages(system=erp, path="price-lists/"))), label="erp")


def storefront_prices(context: RunContext):
    rows = system_rows(
        system_code="storefront",
        path="prices/",
        key="key",
        record=lambda row: _record(row, row.get("sku")),
    )
    return in_key_order(rows, label="storefront")


def _smallest_order(record: dict, unit_price: Decimal) -> Decimal:
    """What the smallest order at a price is worth: the price times its minimum quantity."""
    return (abs(unit_price) * Decimal(record["min_quantity"])).quantize(Decimal("0.01"))


def _what(record: dict) -> str:
    return f"{record['sku']} for {record['account']} (from {record['valid_from']})"


def assess(d: Difference) -> Assessment:
    record = d.left or d.right
    common = {
        "entity": "contract_price",
        "field": "unit_price",
        "subject_type": "contract_price",
        "subject_key": d.key,
    }
    price = f"{record['unit_price']} {record['currency']}"
    if d.kind == MISSING_RIGHT:
        return Assessment(
            kind="missing_in_storefront",
            effect=f"The ERP authorises {_what(record)} at {price}, but the storefront does not "
            "show it: the buyer sees no contract price for it.",
            action="Load the ERP's price into the storefront (an account or SKU the hub does "
            "not know needs mapping first: see its quarantine item), then re-check.",
            value_at_stake=_smallest_order(record, Decimal(record["unit_price"])),
            **common,
        )
    if d.kind == MISSING_LEFT:
        return Assessment(
            kind="price_not_authorised",
            effect=f"The storefront shows {_what(record)} at {price}, a price the ERP does not "
            "authorise: orders at it will be held for the pricing owner.",
            action="Remove the price from the storefront, or have the ERP's pricing team "
            "authorise it (the price-list sync then pushes it), then re-check.",
            value_at_stake=_smallest_order(record, Decimal(record["unit_price"])),
            **common,
        )
    changed = ", ".join(f"{n} {d.right[n]} (ERP {d.left[n]})" for n in d.fields)
    if PRICE & set(d.fields):
        difference = Decimal(d.right["unit_price"]) - Decimal(d.left["unit_price"])
        return Assessment(
            kind="price_mismatch",
            effect=f"The storefront shows {_what(record)} with {changed}: it recalculated a "
            "price the ERP authorises; each order of it is invoiced off by the difference.",
            action="Set the storefront's price back to the ERP's and stop it recalculating "
            "contract prices, then re-check.",
            value_at_stake=_smallest_order(d.left, difference),
            **common,
        )
    return Assessment(
        kind="terms_mismatch",
        effect=f"The storefront shows {_what(record)} with {changed}: the price applies on "
        "terms the ERP did not set.",
        action="Set the price's terms on the storefront to the ERP's, then re-check.",
        value_at_stake=None,
        **common,
    )


registry.register(
    Reconciliation(
        name="prices",
        title="Prices: ERP contract prices against the storefront",
        flow_code="price-list-sync",
        comparisons=(
            Comparison(
                name="erp-storefront",
                left="erp",
                right="storefront",
                fields=FIELDS,
                left_rows=erp_prices,
                right_rows=storefront_prices,
                assess=assess,
            ),
        ),
    )
)
