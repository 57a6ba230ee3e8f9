"""The sandbox PIM: a catalog served in cursor pages, filled in bulk, with a share of bad records.

Bad records are the kinds a real PIM export carries: a product with no name or no brand (a
required attribute), a unit code nobody mapped, and a second spelling of an existing SKU
(a trailing space: the two normalise to one hub SKU).
"""

from __future__ import annotations

import random
from datetime import datetime

from django.utils import timezone

from apps.core.errors import ValidationFailed
from apps.sandbox.models import PimProduct

PAGE_SIZE = 1000
MAX_PAGE_SIZE = 5000
UNITS = ["EA", "EA", "EA", "PCE", "BX10", "CS12"]
CATEGORIES = ["Fasteners", "Safety", "Tools", "Electrical", "Plumbing", "Packaging"]
COLOURS = ["black", "silver", "zinc", "yellow", "blue"]
BAD_KINDS = ["no_name", "no_brand", "unknown_unit", "same_sku"]
INSERT_BATCH = 5000
COLUMNS = ("id", "sku", "name", "description", "unit", "category", "attributes", "images")


def pim_page(*, cursor: str, limit: int, updated_since: datetime | None) -> dict:
    """One page of the catalog after `cursor` (the last id served), oldest id first."""
    after = _cursor_id(cursor)
    rows = PimProduct.objects.order_by("id")
    if updated_since is not None:
        rows = rows.filter(updated_at__gte=updated_since)
    # Counted on the first page only, as real PIMs do: a count per page costs a scan each.
    total = None if cursor else rows.count()
    page = list(rows.filter(id__gt=after).values_list(*COLUMNS)[:limit])
    products = [dict(zip(COLUMNS[1:], row[1:], strict=True)) for row in page]
    last = page[-1][0] if len(page) == limit else None
    # A full page may still be the last; the next call then answers empty with no cursor.
    return {"products": products, "next_cursor": f"id:{last}" if last else "", "total": total}


def _cursor_id(cursor: str) -> int:
    if not cursor:
        return 0
    prefix, _, number = cursor.partition(":")
    if prefix != "id" or not number.isdigit():
        raise ValidationFailed(f"Not a cursor this PIM gave out: {cursor[:60]!r}.")
    return int(number)


def pim_populate(*, products: int, bad_share: float = 0.02, seed: int = 1) -> dict:
    """Replace the catalog with `products` records, `bad_share` of them bad; counts by kind."""
    rng = random.Random(seed)
    PimProduct.objects.all().delete()
    now = timezone.now()
    counts = dict.fromkeys(["good", *BAD_KINDS], 0)
    batch: list[PimProduct] = []
    for number in range(1, products + 1):
        kind = rng.choice(BAD_KINDS) if number > 1 and rng.random() < bad_share else "good"
        counts[kind] += 1
        batch.append(_product(number, kind, rng, now))
        if len(batch) >= INSERT_BATCH:
            PimProduct.objects.bulk_create(batch)
            batch = []
    PimProduct.objects.bulk_create(batch)
    return counts


def _product(number: int, kind: str, rng: random.Random, now: datetime) -> PimProduct:
    sku = f"PIM-{number:06d}"
    attributes = {
        "brand": f"Brand {number % 97}",
        "colour": rng.choice(COLOURS),
        "weight_kg": round(rng.uniform(0.01, 25), 3),
    }
    product = PimProduct(
        sku=sku,
        name=f"Product {number} {rng.choice(CATEGORIES).lower()}",
        description=f"Sandbox product number {number}.",
        unit=rng.choice(UNITS),
        category=rng.choice(CATEGORIES),
        attributes=attributes,
        images=[f"https://img.example.test/{sku}.jpg"],
        updated_at=now,
    )
    if kind == "no_name":
        product.name = ""
    elif kind == "no_brand":
        del attributes["brand"]
    elif kind == "unknown_unit":
        product.unit = "ZZ"
    elif kind == "same_sku":
        # The previous product again, as an export with a stray trailing space spells it.
        product.sku = f"PIM-{number - 1:06d} "
    return product


def pim_touch(*, percent: float, seed: int = 2) -> int:
    """Change `percent` of the catalog now (a new description), as a day's edits would."""
    ids = list(PimProduct.objects.values_list("id", flat=True))
    wanted = round(len(ids) * percent / 100)
    chosen = random.Random(seed).sample(ids, min(wanted, len(ids)))
    now = timezone.now()
    return PimProduct.objects.filter(id__in=chosen).update(
        description=f"Revised {now.isoformat()}.", updated_at=now
    )
