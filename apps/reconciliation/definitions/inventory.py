"""Inventory: the WMS's stock against what the storefront shows, one record per SKU@location.

The WMS is the authority (the matrix gives it every inventory figure). Its snapshot names
SKUs its own way; they are mapped to the hub's SKUs, as the inventory flow maps them, so both
sides share the key the hub pushes levels under. A figure within `TOLERANCE` units of the
WMS's is not a mismatch: picks and receipts in flight move stock between the two reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from itertools import islice

from django.db.models import Min, Q

from apps.catalog.selectors import products_for
from apps.connectors.rest.pages import get_pages
from apps.pricing.models import ContractPrice
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

TOLERANCE = Decimal("2")
FIELDS = (Field("available", tolerance=TOLERANCE), Field("on_hand", tolerance=TOLERANCE))
PAGE = 500


def unit_prices(today: date) -> dict[str, str]:
    """The lowest contract price in force per SKU: what a unit is worth at least, where known."""
    in_force = ContractPrice.objects.filter(valid_from__lte=today).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=today)
    )
    rows = in_force.values("product__sku").annotate(low=Min("unit_price")).order_by()
    return {row["product__sku"]: figure(row["low"]) for row in rows}


def _mapped(wms: System, rows: Iterator[dict], prices: dict[str, str]):
    # A page at a time: three queries map a page's SKUs, as the inventory flow maps them.
    while page := list(islice(rows, PAGE)):
        products = products_for(system=wms, skus=[row["sku"] for row in page])
        for row in page:
            product = products.get(row["sku"])
            # A SKU the hub does not know keeps the WMS's spelling: the storefront lacks it.
            sku = product.sku if product else row["sku"]
            yield (
                f"{sku}@{row['location']}",
                {
                    "sku": sku,
                    "location": row["location"],
                    "on_hand": figure(row["on_hand"]),
                    "available": figure(row["available"]),
                    "unit_price": prices.get(sku),
                },
            )


def wms_levels(context: RunContext):
    wms = System.objects.get(code="wms")
    prices = unit_prices(context.cutoff.date())
    rows = _mapped(wms, iter(get_pages(system=wms, path="snapshot/")), prices)
    return in_key_order(rows, label="wms")


def storefront_levels(context: RunContext):
    prices = unit_prices(context.cutoff.date())

    def shown(row: dict) -> dict:
        # The same valuation as the WMS side: records that agree stay equal as a whole.
        return {
            "sku": row.get("sku"),
            "location": row.get("location"),
            "on_hand": figure(row.get("on_hand", 0)),
            "available": figure(row.get("available", 0)),
            "unit_price": prices.get(row.get("sku")),
        }

    rows = system_rows(system_code="storefront", path="stock/", key="key", record=shown)
    return in_key_order(rows, label="storefront")


def _worth(units: Decimal, record: dict | None) -> Decimal | None:
    price = (record or {}).get("unit_price")
    return (abs(units) * Decimal(price)).quantize(Decimal("0.01")) if price else None


def assess(d: Difference) -> Assessment:
    record = d.left or d.right
    where = f"{record['sku']} at {record['location']}"
    common = {
        "entity": "inventory",
        "field": "available",
        "subject_type": "inventory",
        "subject_key": d.key,
    }
    if d.kind == MISSING_RIGHT:
        units = Decimal(d.left["available"])
        return Assessment(
            kind="missing_in_storefront",
            effect=f"The WMS holds {d.left['available']} of {where} available, but the "
            "storefront does not list it: buyers cannot order stock that is there.",
            action="Load the level into the storefront at the WMS's figure (a SKU the hub does "
            "not know needs adding first: see its unknown_sku item), then re-check.",
            value_at_stake=_worth(units, d.left),
            **common,
        )
    if d.kind == MISSING_LEFT:
        return Assessment(
            kind="missing_in_wms",
            effect=f"The storefront shows {d.right['available']} of {where} available, a level "
            "the WMS does not hold: buyers may order stock that cannot ship.",
            action="Ask the warehouse to count it: count it into the WMS or remove the level "
            "from the storefront, then re-check.",
            value_at_stake=_worth(Decimal(d.right["available"]), d.right),
            **common,
        )
    drifts = {
        name: Decimal(d.right[name]) - Decimal(d.left[name]) for name in ("available", "on_hand")
    }
    name = max(d.fields, key=lambda f: abs(drifts[f]))
    drift = drifts[name]
    risk = (
        "buyers may order stock that is not there"
        if drift > 0
        else "buyers cannot order stock that is there"
    )
    return Assessment(
        kind="quantity_drift",
        effect=f"The storefront shows {d.right[name]} of {where} {name.replace('_', ' ')}, the "
        f"WMS {d.left[name]} ({drift:+f}, beyond the tolerance of {TOLERANCE}): {risk}.",
        action="Set the storefront's figure to the WMS's (the WMS is the authority) and find "
        "why its stock import drifted, then re-check.",
        value_at_stake=_worth(drift, d.left),
        **common,
    )


registry.register(
    Reconciliation(
        name="inventory",
        title="Inventory: WMS stock against the storefront",
        flow_code="inventory-update",
        comparisons=(
            Comparison(
                name="wms-storefront",
                left="wms",
                right="storefront",
                fields=FIELDS,
                left_rows=wms_levels,
                right_rows=storefront_levels,
                assess=assess,
            ),
        ),
    )
)
