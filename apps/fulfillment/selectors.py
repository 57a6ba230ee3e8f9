"""Reads of shipments and invoices as partners are told them (the order detail, order events).

One shape for both, so a partner's GET of an order and the event it heard carry the same
shipment the same way.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db.models import Prefetch

from apps.fulfillment.models import Invoice, Shipment


def order_fulfillment_prefetches() -> list[Prefetch]:
    """An order's shipments and invoices, oldest first, one query each for any number of orders."""
    return [
        Prefetch("shipments", queryset=Shipment.objects.order_by("created_at", "pk")),
        Prefetch("invoices", queryset=Invoice.objects.order_by("created_at", "pk")),
    ]


def shipped_lines(shipment: Shipment, skus: dict[int, str]) -> list[dict]:
    """The shipment's lines: order line number, its SKU and the quantity shipped.

    `lines` is the WMS's JSON as record sync stored it; an item that names no order line is
    left out rather than guessed at.
    """
    rows = shipment.lines if isinstance(shipment.lines, list) else []
    shipped = []
    for row in rows:
        if not isinstance(row, dict) or type(row.get("line_number")) is not int:
            continue
        number = row["line_number"]
        shipped.append(
            {
                "line_number": number,
                "sku": skus.get(number, ""),
                "quantity": quantity_text(row.get("quantity")),
            }
        )
    return shipped


def quantity_text(value) -> str | None:
    """A quantity as plain decimal text ("60", "2.5"); None when it is no number."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    return format(number.normalize(), "f")


def shipment_view(shipment: Shipment, skus: dict[int, str]) -> dict:
    return {
        "number": shipment.number,
        "status": shipment.status,
        "carrier": shipment.carrier,
        "tracking_number": shipment.tracking_number,
        "shipped_at": _instant(shipment.shipped_at),
        "lines": shipped_lines(shipment, skus),
        "created_at": _instant(shipment.created_at),
        "updated_at": _instant(shipment.updated_at),
    }


def invoice_view(invoice: Invoice) -> dict:
    return {
        "number": invoice.number,
        "status": invoice.status,
        "amount": format(invoice.amount, "f"),
        "currency": invoice.currency,
        "due_date": invoice.due_date.isoformat() if invoice.due_date else None,
        "created_at": _instant(invoice.created_at),
    }


def _instant(value) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")
