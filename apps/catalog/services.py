"""Writes to the canonical catalog: products and inventory, one at a time or a page at a time."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser

from apps.catalog.models import InventoryLevel, Product
from apps.core.upsert import BulkResult, upsert_bulk, upsert_one

PRODUCT_KEY = ("sku",)
INVENTORY_KEY = ("product", "location")


def product_upsert(
    *, key: dict, values: dict, actor: AbstractBaseUser | None = None, reason: str = ""
) -> Product:
    """Create or change the product with this SKU; history names the actor and reason."""
    return upsert_one(
        Product, key_fields=PRODUCT_KEY, key=key, values=values, actor=actor, reason=reason
    )


def products_upsert_bulk(
    *, rows: list[dict], actor: AbstractBaseUser | None = None, reason: str = ""
) -> BulkResult:
    """Create or change many products by SKU in a fixed number of queries, with history."""
    return upsert_bulk(Product, key_fields=PRODUCT_KEY, rows=rows, actor=actor, reason=reason)


def inventory_level_upsert(
    *, key: dict, values: dict, actor: AbstractBaseUser | None = None, reason: str = ""
) -> InventoryLevel:
    """Create or change the stock of one product at one location."""
    return upsert_one(
        InventoryLevel,
        key_fields=INVENTORY_KEY,
        key=key,
        values=values,
        actor=actor,
        reason=reason,
    )


def inventory_levels_upsert_bulk(
    *, rows: list[dict], actor: AbstractBaseUser | None = None, reason: str = ""
) -> BulkResult:
    """Create or change many stock levels (by product and location) in a fixed number of queries."""
    return upsert_bulk(
        InventoryLevel, key_fields=INVENTORY_KEY, rows=rows, actor=actor, reason=reason
    )
