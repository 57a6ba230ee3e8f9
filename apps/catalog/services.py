"""Writes to the canonical catalog: products and inventory, one at a time or a page at a time."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction

from apps.catalog.models import InventoryLevel, Product
from apps.core.upsert import BulkResult, upsert_bulk, upsert_one
from apps.core.upsert_copy import upsert_by_copy

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


# The figures the WMS owns; `as_of` and `as_of_sequence` say how recent they are.
INVENTORY_FIGURES = ("on_hand", "available", "backorder_date")


@dataclass(frozen=True)
class InventoryApplied:
    """What applying WMS figures did: rows whose figures changed, rows older than the hub's."""

    changed: list[dict]
    refreshed: int
    stale: list[dict]


@transaction.atomic
def inventory_levels_apply(
    *,
    rows: list[dict],
    actor: AbstractBaseUser | None = None,
    reason: str = "",
    repair_equal: bool = False,
) -> InventoryApplied:
    """Apply WMS figures (each with `as_of` and `as_of_sequence`) in order, a page at a time.

    A figure older than the one stored (a lower sequence) never overwrites it; an event that
    arrives late or twice changes nothing. `repair_equal` (a snapshot) also replaces a figure
    of the same sequence that differs: the hub's copy drifted from the owner's.
    """
    newest = _newest_per_level(rows)
    stored = _levels_locked(newest)
    accepted, changed, stale = [], [], []
    for key, row in newest.items():
        level = stored.get(key)
        if level is not None and not _is_newer(row, level, repair_equal):
            stale.append(row)
            continue
        accepted.append(row)
        if level is None or _figures(level) != _figures(row):
            changed.append(row)
    stale += [row for row in rows if newest.get(_level_key(row)) is not row]
    if accepted:
        inventory_levels_upsert_bulk(rows=accepted, actor=actor, reason=reason)
    return InventoryApplied(changed, len(accepted) - len(changed), stale)


def _level_key(row: dict) -> tuple[int, str]:
    return row["product"].pk, row["location"]


def _newest_per_level(rows: list[dict]) -> dict[tuple[int, str], dict]:
    # Within one page the highest sequence per level wins; the others are stale already.
    newest: dict[tuple[int, str], dict] = {}
    for row in rows:
        key = _level_key(row)
        if key not in newest or row["as_of_sequence"] > newest[key]["as_of_sequence"]:
            newest[key] = row
    return newest


def _levels_locked(newest: dict) -> dict[tuple[int, str], InventoryLevel]:
    # Locked, so two batches for the same level apply one after the other and the second
    # compares against what the first wrote (PostgreSQL re-reads a locked row after the wait).
    products = {product for product, _ in newest}
    locations = {location for _, location in newest}
    levels = InventoryLevel.objects.select_for_update().filter(
        product_id__in=products, location__in=locations
    )
    return {(level.product_id, level.location): level for level in levels}


def _is_newer(row: dict, level: InventoryLevel, repair_equal: bool) -> bool:
    if level.as_of_sequence is None:
        return True  # a figure set before sequences were kept: any WMS figure is newer
    if row["as_of_sequence"] == level.as_of_sequence:
        return repair_equal and _figures(level) != _figures(row)
    return row["as_of_sequence"] > level.as_of_sequence


def _figures(source) -> tuple:
    read = source.get if isinstance(source, dict) else lambda name: getattr(source, name)
    return tuple(read(name) for name in INVENTORY_FIGURES)


# What the catalog sync writes of a product; the rest (status, the hub's own stamps) stays.
SYNCED_FIELDS = ("name", "description", "uom", "attributes", "content_hash", "source_sku")


def products_write_synced(
    *, new: list[dict], changed: list[dict], actor: AbstractBaseUser | None = None, reason: str
) -> list[Product]:
    """Insert new and overwrite changed products from a batch sync, with their history.

    Rows are already valid and mapped (the sync checked them). On PostgreSQL a page is COPYed
    and upserted with its history in one statement (core/upsert_copy.py); elsewhere one
    `bulk_create(update_conflicts=True)` and simple-history's `bulk_history_create` per kind
    of change. `changed` rows carry the stored row's `created_at` for their history row."""
    rows = [*new, *changed]
    if not rows:
        return []
    if connection.vendor == "postgresql":
        upsert_by_copy(
            Product,
            key_field="sku",
            rows=[{name: row[name] for name in ("sku", *SYNCED_FIELDS)} for row in rows],
            update_fields=SYNCED_FIELDS,
            actor=actor,
            reason=reason,
        )
        return rows
    products = [Product(**{name: row[name] for name in ("sku", *SYNCED_FIELDS)}) for row in rows]
    # One INSERT .. ON CONFLICT (sku) DO UPDATE for the page; the ids come back on it.
    Product.objects.bulk_create(
        products,
        update_conflicts=True,
        unique_fields=["sku"],
        update_fields=[*SYNCED_FIELDS, "updated_at"],
    )
    created, updated = products[: len(new)], products[len(new) :]
    for product, row in zip(updated, changed, strict=True):
        product.created_at = row["created_at"]
    history = Product.history
    for group, is_update in ((created, False), (updated, True)):
        if group:
            history.bulk_history_create(
                group, update=is_update, default_user=actor, default_change_reason=reason
            )
    return products
