from django.db import models

from apps.core.history import history
from apps.core.models import HubModel


class OrderStatus(models.TextChoices):
    RECEIVED = "received", "Accepted by the hub, on its way to the ERP"
    QUARANTINED = "quarantined", "Held for a business owner to fix"
    PENDING_APPROVAL = "pending_approval", "Waiting for the buyer's approver"
    CREDIT_HOLD = "credit_hold", "Held by finance for credit"
    SUBMITTED = "submitted", "Sent to and accepted by the ERP"
    ACKNOWLEDGED = "acknowledged", "Confirmed by the ERP"
    REJECTED = "rejected", "Refused; will not be fulfilled"
    PARTIALLY_SHIPPED = "partially_shipped", "Some lines shipped"
    SHIPPED = "shipped", "All lines shipped"
    INVOICED = "invoiced", "Invoiced"
    CANCELLED = "cancelled", "Cancelled"


class Order(HubModel):
    """A canonical order, whatever channel it came in on."""

    number = models.CharField(max_length=30, unique=True)
    account = models.ForeignKey("accounts.CompanyAccount", on_delete=models.PROTECT)
    source_system = models.ForeignKey("systems.System", on_delete=models.PROTECT)
    po_number = models.CharField(max_length=60, blank=True)
    currency = models.CharField(max_length=3)
    ship_to = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=20, choices=OrderStatus.choices, default=OrderStatus.RECEIVED
    )
    external_ref = models.CharField(
        max_length=60, blank=True, help_text="The ERP's order number once it accepted the order."
    )
    history = history()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.number


class OrderLine(HubModel):
    """One line in canonical units: quantity and unit price per the product's unit."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    line_number = models.PositiveIntegerField()
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT)
    quantity = models.DecimalField(max_digits=14, decimal_places=4)
    uom = models.CharField(max_length=10)
    unit_price = models.DecimalField(max_digits=14, decimal_places=4)
    ship_to = models.JSONField(default=dict, blank=True)
    history = history()

    class Meta:
        ordering = ["order", "line_number"]
        constraints = [
            models.UniqueConstraint(fields=["order", "line_number"], name="one_line_number")
        ]
