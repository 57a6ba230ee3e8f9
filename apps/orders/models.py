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


class OrderLineStatus(models.TextChoices):
    OPEN = "open", "Not answered by the ERP yet"
    ACCEPTED = "accepted", "Confirmed by the ERP as ordered"
    CHANGED = "changed", "Confirmed by the ERP with another quantity"
    REJECTED = "rejected", "Refused by the ERP; will not be fulfilled"
    CANCELLED = "cancelled", "Cancelled with its order"


# Where a line may go from each status when the ERP answers it; rejected and cancelled are final.
LINE_MOVES = {
    OrderLineStatus.OPEN: {
        OrderLineStatus.ACCEPTED,
        OrderLineStatus.CHANGED,
        OrderLineStatus.REJECTED,
        OrderLineStatus.CANCELLED,
    },
    OrderLineStatus.ACCEPTED: {
        OrderLineStatus.CHANGED,
        OrderLineStatus.REJECTED,
        OrderLineStatus.CANCELLED,
    },
    OrderLineStatus.CHANGED: {
        OrderLineStatus.ACCEPTED,
        OrderLineStatus.CHANGED,
        OrderLineStatus.REJECTED,
        OrderLineStatus.CANCELLED,
    },
    OrderLineStatus.REJECTED: set(),
    OrderLineStatus.CANCELLED: set(),
}


class OrderLine(HubModel):
    """One line in canonical units: quantity and unit price per the product's unit."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    line_number = models.PositiveIntegerField()
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT)
    quantity = models.DecimalField(max_digits=14, decimal_places=4)
    uom = models.CharField(max_length=10)
    unit_price = models.DecimalField(max_digits=14, decimal_places=4)
    ship_to = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=10, choices=OrderLineStatus.choices, default=OrderLineStatus.OPEN
    )
    # The ERP's answer, apart from `quantity`: what the buyer ordered stays as ordered.
    confirmed_quantity = models.DecimalField(
        max_digits=14,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="What the ERP will deliver; blank until it answers.",
    )
    status_reason = models.CharField(max_length=200, blank=True)
    history = history()

    class Meta:
        ordering = ["order", "line_number"]
        constraints = [
            models.UniqueConstraint(fields=["order", "line_number"], name="one_line_number")
        ]

    def __str__(self) -> str:
        return f"line {self.line_number}: {self.quantity} {self.uom} at {self.unit_price}"

    def can_become(self, status: str) -> bool:
        """Whether the ERP may move this line to `status` (a repeat of its answer is harmless)."""
        return status == self.status or status in LINE_MOVES[self.status]


class CartStatus(models.TextChoices):
    OPEN = "open", "Being filled"
    CONVERTED = "converted", "Became an order or a quote"
    ABANDONED = "abandoned", "Left without ordering"


class Cart(HubModel):
    """A buyer's cart on the storefront; the hub keeps it for quotes and abandoned-cart flows."""

    number = models.CharField(max_length=40, unique=True)
    account = models.ForeignKey("accounts.CompanyAccount", on_delete=models.CASCADE)
    buyer_email = models.EmailField(blank=True)
    lines = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=CartStatus.choices, default=CartStatus.OPEN)
    history = history()

    def __str__(self) -> str:
        return self.number


class QuoteStatus(models.TextChoices):
    REQUESTED = "requested", "Asked for by the buyer"
    PRICED = "priced", "Priced by the ERP"
    ACCEPTED = "accepted", "Accepted; becomes an order"
    EXPIRED = "expired", "Past valid_until"


class Quote(HubModel):
    """A request for quote and its answer; the total is the ERP's to set."""

    number = models.CharField(max_length=40, unique=True)
    account = models.ForeignKey("accounts.CompanyAccount", on_delete=models.CASCADE)
    lines = models.JSONField(default=list, blank=True)
    total = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, default="USD")
    valid_until = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=QuoteStatus.choices, default=QuoteStatus.REQUESTED
    )
    history = history()

    def __str__(self) -> str:
        return self.number


class BlanketOrder(HubModel):
    """A standing agreement to buy a quantity over time, drawn down by releases."""

    number = models.CharField(max_length=40, unique=True)
    account = models.ForeignKey("accounts.CompanyAccount", on_delete=models.CASCADE)
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT)
    total_quantity = models.DecimalField(max_digits=14, decimal_places=4)
    unit_price = models.DecimalField(max_digits=14, decimal_places=4)
    valid_to = models.DateField(null=True, blank=True)
    history = history()

    def __str__(self) -> str:
        return self.number


class ReleaseStatus(models.TextChoices):
    REQUESTED = "requested", "Asked for; waits for the ERP"
    AUTHORISED = "authorised", "Authorised by the ERP"
    REFUSED = "refused", "Refused by the ERP"


class OrderRelease(HubModel):
    """One call-off against a blanket order."""

    number = models.CharField(max_length=40, unique=True)
    blanket = models.ForeignKey(BlanketOrder, on_delete=models.PROTECT, related_name="releases")
    quantity = models.DecimalField(max_digits=14, decimal_places=4)
    requested_date = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=12, choices=ReleaseStatus.choices, default=ReleaseStatus.REQUESTED
    )
    history = history()

    def __str__(self) -> str:
        return self.number


class PaymentStatus(models.TextChoices):
    AUTHORISED = "authorised", "Authorised by the gateway"
    CAPTURED = "captured", "Captured"
    FAILED = "failed", "Declined or failed"
    REFUNDED = "refunded", "Refunded in full"


class Payment(HubModel):
    """A payment for an order, as the payment gateway reports it."""

    reference = models.CharField(max_length=60, unique=True)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=12, choices=PaymentStatus.choices)
    method = models.CharField(max_length=30, blank=True)
    history = history()

    def __str__(self) -> str:
        return self.reference
