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


def unit_conversions_for(
    *, system, wanted: list[tuple[str, Product]]
) -> dict[tuple[str, int], tuple[str, Decimal] | None]:
    """`unit_conversion_for` for many (code, product) pairs in one query, by (code, product pk)."""
    codes = {code for code, product in wanted if code != product.uom}
    rows = UnitConversion.objects.filter(system=system, external_code__in=codes).order_by("pk")
    specific, general = {}, {}
    for row in rows:
        # The first row by pk wins, as `.first()` does in the one-pair selector.
        if row.product_id is None:
            general.setdefault(row.external_code, row)
        else:
            specific.setdefault((row.external_code, row.product_id), row)
    found = {}
    for code, product in wanted:
        if code == product.uom:
            found[(code, product.pk)] = (product.uom, Decimal(1))
            continue
        row = specific.get((code, product.pk)) or general.get(code)
        found[(code, product.pk)] = (row.canonical_uom, row.factor) if row else None
    return found


def sku_normalise(*, system, sku: str) -> str:
    """A system's SKU in our spelling, by that system's rule (case, separators, prefix)."""
    return _sku_by_rule(SkuRule.objects.filter(system=system).first(), sku)


def _sku_by_rule(rule: SkuRule | None, sku: str) -> str:
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


_UNREAD = object()


def products_for(
    *, system, skus: list[str], references: dict[str, str] | None = None, rule=_UNREAD
) -> dict[str, Product | None]:
    """`product_for` for many SKUs in at most three queries, keyed by the SKU as sent.

    A caller that read the system's cross-references (external id -> canonical key) or its
    SKU rule (None for none) already passes them.
    """
    keys = sku_keys_for(system=system, skus=skus, references=references, rule=rule)
    found = Product.objects.in_bulk(set(keys.values()), field_name="sku")
    return {sku: found.get(key) for sku, key in keys.items()}


def sku_keys_for(
    *, system, skus: list[str], references: dict[str, str] | None = None, rule=_UNREAD
) -> dict[str, str]:
    """The canonical SKU each SKU a system sent means: its cross-reference first, then its
    SKU rule (read here unless passed, as in `products_for`)."""
    if references is None:
        references = dict(
            ExternalReference.objects.filter(
                system=system, entity="product", external_id__in=set(skus)
            ).values_list("external_id", "canonical_key")
        )
    if rule is _UNREAD:
        rule = sku_rule_for(system=system)
    return {
        sku: references[sku] if sku in references else _sku_by_rule(rule, sku) for sku in set(skus)
    }


def products_sync_state(*, skus: set[str], fields: tuple[str, ...] = ()) -> dict[str, dict]:
    """What a batch sync compares against, by SKU, in one query: fingerprint, source SKU,
    creation time, and the stored values of `fields` (those the sync may not overwrite)."""
    rows = Product.objects.filter(sku__in=skus).values(
        "sku", "content_hash", "source_sku", "created_at", *fields
    )
    return {row["sku"]: row for row in rows}


def unit_table_for(*, system) -> dict[str, tuple[str, Decimal]]:
    """A system's unit codes that hold for every product: code -> (canonical unit, factor)."""
    rows = UnitConversion.objects.filter(system=system, product__isnull=True).order_by("-pk")
    # The first row by pk wins, as in `unit_conversion_for`.
    return {row.external_code: (row.canonical_uom, row.factor) for row in rows}


def sku_rule_for(*, system) -> SkuRule | None:
    return SkuRule.objects.filter(system=system).first()


def sku_rule_read_with(*, system) -> SkuRule | None:
    """The system's SKU rule; no query when the system was read with it, as the partner
    API's authentication reads it (`partner_system_read`, `select_related("skurule")`)."""
    if type(system).skurule.is_cached(system):
        try:
            return system.skurule
        except SkuRule.DoesNotExist:
            return None
    return SkuRule.objects.filter(system=system).first()


def sku_by_rule(rule: SkuRule | None, sku: str) -> str:
    """`sku_normalise` with the rule already read (a batch reads it once per run)."""
    return _sku_by_rule(rule, sku)
