"""The sandbox storefront's own stock and prices: what it shows buyers, read back in pages.

The storefront applies each bulk update the hub pushes (`bulk/inventory/`, `bulk/prices/`)
to its own copy, one record per key, last write wins. Injected faults make that copy go
wrong the way a real storefront's import does: a record dropped, a quantity off, a price
recalculated. The receipt log (`SandboxBulkReceipt`) keeps exactly what the hub sent.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction
from django.db.models import F, Q

from apps.core.errors import ValidationFailed
from apps.sandbox.models import ListingFaultAction, SandboxListing, SandboxListingFault

STOREFRONT = "storefront"
# Each kind the storefront lists, the fields of its key, and the faults that make sense for it.
KEYS = {
    "inventory": ("sku", "location"),
    "prices": ("account", "sku", "valid_from"),
}
ACTIONS = {
    "inventory": {ListingFaultAction.DROP, ListingFaultAction.DRIFT},
    "prices": {ListingFaultAction.DROP, ListingFaultAction.REPRICE},
}
FAULT_FIELDS = {"kind", "action", "sku", "by", "count"}
CENT = Decimal("0.01")


def listing_key(kind: str, item: dict) -> str:
    """SKU@location for a level, account/SKU/valid from for a price (as the hub names them)."""
    parts = [str(item.get(name, "?")) for name in KEYS[kind]]
    return ("@" if kind == "inventory" else "/").join(parts)[:200]


@transaction.atomic
def listing_apply(*, kind: str, items: list[dict]) -> int:
    """Apply one bulk update to what the storefront shows; returns how many records it kept."""
    faults = list(
        SandboxListingFault.objects.select_for_update()
        .filter(kind=kind)
        .filter(Q(count__isnull=True) | Q(count__gt=0))
    )
    used: dict[int, int] = {}
    kept = 0
    for item in items:
        fault = _fault_for(faults, used, item)
        if fault is not None and fault.action == ListingFaultAction.DROP:
            continue
        SandboxListing.objects.update_or_create(
            kind=kind, key=listing_key(kind, item), defaults={"record": _faulted(fault, item)}
        )
        kept += 1
    for pk, times in used.items():
        SandboxListingFault.objects.filter(pk=pk, count__isnull=False).update(
            count=F("count") - times
        )
    return kept


def _fault_for(faults: list, used: dict[int, int], item: dict) -> SandboxListingFault | None:
    for fault in faults:
        left = None if fault.count is None else fault.count - used.get(fault.pk, 0)
        if (left is None or left > 0) and fault.sku in ("", item.get("sku")):
            used[fault.pk] = used.get(fault.pk, 0) + 1
            return fault
    return None


def _faulted(fault: SandboxListingFault | None, item: dict) -> dict:
    record = dict(item)
    if fault is None:
        return record
    if fault.action == ListingFaultAction.DRIFT:
        for name in ("on_hand", "available"):
            if name in record:
                record[name] = _text(Decimal(str(record[name])) + fault.by)
    elif fault.action == ListingFaultAction.REPRICE and "unit_price" in record:
        price = Decimal(str(record["unit_price"])) * (1 + fault.by / 100)
        record["unit_price"] = _text(price.quantize(CENT, rounding=ROUND_HALF_UP))
    return record


def _text(value: Decimal) -> str:
    return format(value.normalize(), "f")


def listing_fault_add(*, spec: dict) -> SandboxListingFault:
    """Add a fault to what the storefront applies (faults apply oldest first)."""
    unknown = set(spec) - FAULT_FIELDS
    if unknown:
        raise ValidationFailed(f"Unknown fault fields: {', '.join(sorted(unknown))}.")
    kind, action = spec.get("kind"), spec.get("action")
    if kind not in ACTIONS:
        raise ValidationFailed(f"kind is one of {', '.join(ACTIONS)}.")
    if action not in ACTIONS[kind]:
        raise ValidationFailed(f"action for {kind} is one of {', '.join(sorted(ACTIONS[kind]))}.")
    try:
        by = Decimal(str(spec.get("by", "0")))
    except InvalidOperation as exc:
        raise ValidationFailed("by is a number: units for drift, percent for reprice.") from exc
    if action != ListingFaultAction.DROP and (not by.is_finite() or by == 0):
        raise ValidationFailed(f"{action} needs by: a number other than 0.")
    count = spec.get("count")
    if count is not None and not (isinstance(count, int) and count > 0):
        raise ValidationFailed("count is a whole number, at least 1.")
    sku = spec.get("sku", "")
    if not isinstance(sku, str):
        raise ValidationFailed("sku is the hub's SKU, or leave it out for any.")
    return SandboxListingFault.objects.create(kind=kind, action=action, sku=sku, by=by, count=count)


def listing_faults_clear() -> None:
    SandboxListingFault.objects.all().delete()


def listing_page(*, kind: str, after: str, limit: int) -> dict:
    """One page of what the storefront shows of `kind`, by its own row order, after `after`."""
    start = int(after) if after.isdigit() else 0
    # One row more than asked: whether another page follows, without an empty last page.
    rows = list(SandboxListing.objects.filter(kind=kind, pk__gt=start).order_by("pk")[: limit + 1])
    more, rows = len(rows) > limit, rows[:limit]
    return {
        "results": [{"key": row.key, **row.record} for row in rows],
        "next": str(rows[-1].pk) if more else None,
    }
