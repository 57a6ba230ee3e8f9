"""Shipments, invoices, returns and refunds, as the matrix governs them (see FulfillmentConfig)."""

from apps.fulfillment import services
from apps.orders.ownership import ORDER
from apps.ownership.registry import EntitySpec

ENTITIES = [
    EntitySpec(
        "shipment",
        "fulfillment.Shipment",
        services.SHIPMENT_KEY,
        ("order", "carrier", "tracking_number", "shipped_at", "status", "lines"),
        refs={"order": ORDER},
        account_path="order.account",
        write=services.shipment_upsert,
    ),
    EntitySpec(
        "invoice",
        "fulfillment.Invoice",
        services.INVOICE_KEY,
        ("order", "amount", "currency", "due_date", "status"),
        refs={"order": ORDER},
        account_path="order.account",
        write=services.invoice_upsert,
    ),
    EntitySpec(
        "return",
        "fulfillment.ReturnRequest",
        services.RETURN_KEY,
        ("order", "lines", "reason", "status"),
        refs={"order": ORDER},
        account_path="order.account",
        write=services.return_request_upsert,
    ),
    EntitySpec(
        "refund",
        "fulfillment.Refund",
        services.REFUND_KEY,
        ("return_request", "amount", "currency", "status"),
        refs={"return_request": ("fulfillment.ReturnRequest", "number")},
        account_path="return_request.order.account",
        write=services.refund_upsert,
    ),
]
