from __future__ import annotations

from decimal import Decimal

from apps.catalog.models import Product, UnitConversion


def unit_conversion_for(*, system, code: str, product: Product) -> tuple[str, Decimal] | None:
    """(canonical unit, factor) for a system's unit code; a product-specific row wins."""
    if code == product.uom:
        return product.uom, Decimal(1)
    rows = UnitConversion.objects.filter(system=system, external_code=code)
    row = rows.filter(product=product).first() or rows.filter(product__isnull=True).first()
    return (row.canonical_uom, row.factor) if row else None
