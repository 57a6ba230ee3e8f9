from __future__ import annotations

from decimal import Decimal

from apps.catalog.models import Product, SkuRule, UnitConversion
from apps.systems.models import ExternalReference


def unit_conversion_for(*, system, code: str, product: Product) -> tuple[str, Decimal] | None:
    """(canonical unit, factor) for a system's unit code; a product-specific row wins."""
    if code == product.uom:
        return product.uom, Decimal(1)
    rows = UnitConversion.objects.filter(system=system, external_code=code)
    row = rows.filter(product=product).first() or rows.filter(product__isnull=True).first()
    return (row.canonical_uom, row.factor) if row else None


def sku_normalise(*, system, sku: str) -> str:
    """A system's SKU in our spelling, by that system's rule (case, separators, prefix)."""
    rule = SkuRule.objects.filter(system=system).first()
    if rule is None:
        return sku.strip()
    text = sku.strip()
    if rule.strip_prefix and text.upper().startswith(rule.strip_prefix.upper()):
        text = text[len(rule.strip_prefix) :]
    for character in rule.strip_characters:
        text = text.replace(character, "")
    return text.upper() if rule.uppercase else text


def product_for(*, system, sku: str) -> Product | None:
    """The canonical product a system means: its cross-reference first, then its SKU rule."""
    reference = ExternalReference.objects.filter(
        system=system, entity="product", external_id=sku
    ).first()
    key = reference.canonical_key if reference else sku_normalise(system=system, sku=sku)
    return Product.objects.filter(sku=key).first()
