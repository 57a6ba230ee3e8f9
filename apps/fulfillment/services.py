"""Writes to shipments, invoices, returns and refunds, one at a time or a page at a time."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser

from apps.core.upsert import BulkResult, upsert_bulk, upsert_one
from apps.fulfillment.models import Invoice, Refund, ReturnRequest, Shipment

SHIPMENT_KEY = ("number",)
INVOICE_KEY = ("number",)
RETURN_KEY = ("number",)
REFUND_KEY = ("reference",)


def shipment_upsert(
    *, key: dict, values: dict, actor: AbstractBaseUser | None = None, reason: str = ""
) -> Shipment:
    """Create or change the shipment with this number."""
    return upsert_one(
        Shipment, key_fields=SHIPMENT_KEY, key=key, values=values, actor=actor, reason=reason
    )


def shipments_upsert_bulk(
    *, rows: list[dict], actor: AbstractBaseUser | None = None, reason: str = ""
) -> BulkResult:
    """Create or change many shipments by number in a fixed number of queries."""
    return upsert_bulk(Shipment, key_fields=SHIPMENT_KEY, rows=rows, actor=actor, reason=reason)


def invoice_upsert(
    *, key: dict, values: dict, actor: AbstractBaseUser | None = None, reason: str = ""
) -> Invoice:
    """Create or change the invoice with this number."""
    return upsert_one(
        Invoice, key_fields=INVOICE_KEY, key=key, values=values, actor=actor, reason=reason
    )


def invoices_upsert_bulk(
    *, rows: list[dict], actor: AbstractBaseUser | None = None, reason: str = ""
) -> BulkResult:
    """Create or change many invoices by number in a fixed number of queries."""
    return upsert_bulk(Invoice, key_fields=INVOICE_KEY, rows=rows, actor=actor, reason=reason)


def return_request_upsert(
    *, key: dict, values: dict, actor: AbstractBaseUser | None = None, reason: str = ""
) -> ReturnRequest:
    """Create or change the return (RMA) with this number."""
    return upsert_one(
        ReturnRequest, key_fields=RETURN_KEY, key=key, values=values, actor=actor, reason=reason
    )


def return_requests_upsert_bulk(
    *, rows: list[dict], actor: AbstractBaseUser | None = None, reason: str = ""
) -> BulkResult:
    """Create or change many returns by number in a fixed number of queries."""
    return upsert_bulk(ReturnRequest, key_fields=RETURN_KEY, rows=rows, actor=actor, reason=reason)


def refund_upsert(
    *, key: dict, values: dict, actor: AbstractBaseUser | None = None, reason: str = ""
) -> Refund:
    """Create or change the refund with this gateway reference."""
    return upsert_one(
        Refund, key_fields=REFUND_KEY, key=key, values=values, actor=actor, reason=reason
    )


def refunds_upsert_bulk(
    *, rows: list[dict], actor: AbstractBaseUser | None = None, reason: str = ""
) -> BulkResult:
    """Create or change many refunds by reference in a fixed number of queries."""
    return upsert_bulk(Refund, key_fields=REFUND_KEY, rows=rows, actor=actor, reason=reason)
