from django.db import models

from apps.core.history import history
from apps.core.models import HubModel


class ShipmentStatus(models.TextChoices):
    PICKING = "picking", "Being picked in the warehouse"
    SHIPPED = "shipped", "Handed to the carrier"
    DELIVERED = "delivered", "Delivered to the ship-to"


class Shipment(HubModel):
    """A shipment of some or all of an order's lines (partial and split shipments)."""

    number = models.CharField(max_length=40, unique=True)
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="shipments")
    carrier = models.CharField(max_length=60, blank=True)
    tracking_number = models.CharField(max_length=80, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=ShipmentStatus.choices, default=ShipmentStatus.PICKING
    )
    lines = models.JSONField(default=list, blank=True)
    history = history()

    def __str__(self) -> str:
        return self.number


class InvoiceStatus(models.TextChoices):
    OPEN = "open", "Issued, unpaid"
    PAID = "paid", "Paid"
    CREDITED = "credited", "Cancelled by a credit note"


class Invoice(HubModel):
    """An invoice the ERP issued for an order."""

    number = models.CharField(max_length=40, unique=True)
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="invoices")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=InvoiceStatus.choices, default=InvoiceStatus.OPEN
    )
    history = history()

    def __str__(self) -> str:
        return self.number


class ReturnStatus(models.TextChoices):
    REQUESTED = "requested", "Asked for by the buyer"
    AUTHORISED = "authorised", "RMA issued by the ERP"
    RECEIVED = "received", "Goods back in the warehouse"
    CLOSED = "closed", "Refunded or refused"


class ReturnRequest(HubModel):
    """A return (RMA) of some lines of an order."""

    number = models.CharField(max_length=40, unique=True)
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="returns")
    lines = models.JSONField(default=list, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=12, choices=ReturnStatus.choices, default=ReturnStatus.REQUESTED
    )
    history = history()

    def __str__(self) -> str:
        return self.number


class RefundStatus(models.TextChoices):
    PENDING = "pending", "Issued at the gateway, not settled"
    SETTLED = "settled", "Settled; finance posts it"
    FAILED = "failed", "The gateway could not refund"


class Refund(HubModel):
    """Money back for a return, as the payment gateway reports it."""

    reference = models.CharField(max_length=60, unique=True)
    return_request = models.ForeignKey(ReturnRequest, on_delete=models.PROTECT)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=RefundStatus.choices)
    history = history()

    def __str__(self) -> str:
        return self.reference
