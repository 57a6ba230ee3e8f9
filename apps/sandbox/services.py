"""Simulated outside systems: what they received and the failures they were told to fake."""

from __future__ import annotations

import time

from django.db import transaction
from django.db.models import F

from apps.core.errors import ValidationFailed
from apps.sandbox.models import SandboxFault, SandboxReceipt

FAULT_FIELDS = {"status", "count", "latency_ms", "down", "reject_sku"}


def fault_set(*, system: str, spec: dict) -> SandboxFault:
    """Replace the faults of a system with `spec`."""
    unknown = set(spec) - FAULT_FIELDS
    if unknown:
        raise ValidationFailed(f"Unknown fault fields: {', '.join(sorted(unknown))}.")
    values = {"status": None, "count": None, "latency_ms": 0, "down": False, "reject_sku": ""}
    values.update(spec)
    fault, _ = SandboxFault.objects.update_or_create(system=system, defaults=values)
    return fault


def fault_clear(*, system: str) -> None:
    SandboxFault.objects.filter(system=system).delete()


@transaction.atomic
def fault_take(*, system: str) -> tuple[int | None, str]:
    """The failure to fake on this call, if any: (HTTP status, reason); uses up one count."""
    fault = SandboxFault.objects.select_for_update().filter(system=system).first()
    if fault is None:
        return None, ""
    if fault.latency_ms:
        time.sleep(fault.latency_ms / 1000)
    if fault.down:
        return 503, "down"
    if fault.status and (fault.count is None or fault.count > 0):
        if fault.count is not None:
            SandboxFault.objects.filter(pk=fault.pk).update(count=F("count") - 1)
        return fault.status, "injected"
    return None, fault.reject_sku


def receipt_for_key(*, system: str, key: str) -> SandboxReceipt | None:
    return (
        SandboxReceipt.objects.filter(system=system, idempotency_key=key).first() if key else None
    )


def erp_order_accept(*, key: str, body: dict) -> tuple[int, dict]:
    """The sandbox ERP's order intake: idempotent by key, refuses a SKU it was told to."""
    earlier = receipt_for_key(system="erp", key=key)
    if earlier is not None:
        return 201, earlier.answer
    status, reason = fault_take(system="erp")
    if status:
        return status, {"error": f"sandbox fault: {reason}"}
    skus = {line.get("sku") for line in body.get("lines", [])}
    if reason and reason in skus:
        return 422, {"error": f"SKU {reason} is blocked in the ERP"}
    receipt = SandboxReceipt.objects.create(
        system="erp", path="orders/", idempotency_key=key, body=body
    )
    receipt.answer = {"order_number": f"ERP-{500000 + receipt.pk}", "status": "accepted"}
    receipt.save(update_fields=["answer"])
    return 201, receipt.answer
