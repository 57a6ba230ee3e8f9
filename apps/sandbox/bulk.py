"""Bulk updates a simulated system receives (products, prices, inventory), logged per kind.

Each call is one `SandboxBulkReceipt`: what came, under which idempotency key, so a test
(or the demo) can say exactly what the hub pushed and that a resend was not taken twice.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from apps.core.errors import ValidationFailed
from apps.sandbox.listing import KEYS, STOREFRONT, listing_apply
from apps.sandbox.models import SandboxBulkReceipt
from apps.sandbox.services import fault_take


def bulk_accept(
    *, system: str, kind: str, key_field: str, key: str, body: dict
) -> tuple[int, dict]:
    """Take `body[kind]` (a list of records keyed by `key_field`) once per idempotency key."""
    earlier = _earlier(system, kind, key)
    if earlier is not None:
        return 200, _answer(earlier)
    status, _ = fault_take(system=system)
    if status:
        return status, {"error": "sandbox fault: injected"}
    items = body.get(kind)
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ValidationFailed(f'Send {{"{kind}": [{{...}}, ...]}}.')
    keys = [str(item.get(key_field, "")) for item in items]
    try:
        with transaction.atomic():
            receipt = SandboxBulkReceipt.objects.create(
                system=system,
                kind=kind,
                idempotency_key=key,
                count=len(items),
                keys=keys,
                items=items,
            )
            if system == STOREFRONT and kind in KEYS:
                # The storefront applies what it takes to what it shows, once per update.
                listing_apply(kind=kind, items=items)
    except IntegrityError:
        receipt = _earlier(system, kind, key)
    return 200, _answer(receipt)


def _earlier(system: str, kind: str, key: str) -> SandboxBulkReceipt | None:
    if not key:
        return None
    return SandboxBulkReceipt.objects.filter(system=system, kind=kind, idempotency_key=key).first()


def _answer(receipt: SandboxBulkReceipt) -> dict:
    return {"received": receipt.count, "receipt": receipt.pk}


def bulk_received(*, system: str, kind: str) -> list[SandboxBulkReceipt]:
    """What the system received of `kind`, oldest first."""
    return list(SandboxBulkReceipt.objects.filter(system=system, kind=kind))
