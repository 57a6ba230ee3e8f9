"""Example answers for the OpenAPI document (shown in /api/v1/docs/)."""

ORDER_DETAIL_EXAMPLE = {
    "number": "HUB-0000042",
    "status": "invoiced",
    "account": "NW-1001",
    "po_number": "PO-7781",
    "currency": "USD",
    "ship_to": {"name": "Northwind Receiving", "city": "Tacoma", "country": "US"},
    "external_ref": "SO-558120",
    "lines": [
        {
            "line_number": 1,
            "sku": "ACME-BOLT-M8",
            "quantity": "100.0000",
            "uom": "EA",
            "unit_price": "0.3500",
            "ship_to": {},
            "status": "accepted",
            "confirmed_quantity": "100.0000",
            "status_reason": "",
        },
        {
            "line_number": 2,
            "sku": "ACME-NUT-M8",
            "quantity": "200.0000",
            "uom": "EA",
            "unit_price": "0.1200",
            "ship_to": {},
            "status": "changed",
            "confirmed_quantity": "150.0000",
            "status_reason": "Only 150 in stock until March.",
        },
    ],
    "created_at": "2026-11-20T09:12:03Z",
    "updated_at": "2026-11-24T16:40:11Z",
    "shipments": [
        {
            "number": "SH-90017",
            "status": "delivered",
            "carrier": "UPS",
            "tracking_number": "1Z999AA10123456784",
            "shipped_at": "2026-11-22T14:05:00Z",
            "lines": [
                {"line_number": 1, "sku": "ACME-BOLT-M8", "quantity": "100"},
                {"line_number": 2, "sku": "ACME-NUT-M8", "quantity": "150"},
            ],
            "created_at": "2026-11-22T14:06:10Z",
            "updated_at": "2026-11-23T10:30:00Z",
        }
    ],
    "invoices": [
        {
            "number": "INV-31007",
            "status": "open",
            "amount": "53.00",
            "currency": "USD",
            "due_date": "2026-12-24",
            "created_at": "2026-11-24T16:40:11Z",
        }
    ],
    "status_history": [
        {"status": "received", "at": "2026-11-20T09:12:03Z", "by": "storefront"},
        {"status": "submitted", "at": "2026-11-20T09:12:05Z", "by": "erp"},
        {"status": "acknowledged", "at": "2026-11-20T11:02:40Z", "by": "erp"},
        {"status": "shipped", "at": "2026-11-22T14:06:10Z", "by": "erp"},
        {"status": "invoiced", "at": "2026-11-24T16:40:11Z", "by": "erp"},
    ],
}
