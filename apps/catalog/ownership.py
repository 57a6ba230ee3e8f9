"""The catalog's entities, as the ownership matrix governs them (registered in CatalogConfig)."""

from apps.catalog.selectors import product_for
from apps.catalog.services import (
    INVENTORY_KEY,
    PRODUCT_KEY,
    inventory_level_upsert,
    product_upsert,
)
from apps.ownership.registry import EntitySpec

# How other entities refer to a product: by the hub's SKU.
PRODUCT = ("catalog.Product", "sku")

ENTITIES = [
    EntitySpec(
        "product",
        "catalog.Product",
        PRODUCT_KEY,
        ("name", "description", "uom", "status", "attributes"),
        write=product_upsert,
    ),
    EntitySpec(
        "inventory",
        "catalog.InventoryLevel",
        INVENTORY_KEY,
        ("on_hand", "available", "backorder_date"),
        refs={"product": PRODUCT},
        write=inventory_level_upsert,
    ),
]

RESOLVERS = {
    # A system's own SKU, through its cross-references and SKU rule.
    PRODUCT[0]: lambda system, key: product_for(system=system, sku=key),
}
