from django.db import models

from apps.core.models import HubModel


class SandboxReceipt(HubModel):
    """What a simulated system received, with the idempotency key it saw."""

    system = models.CharField(max_length=40)
    path = models.CharField(max_length=200)
    idempotency_key = models.CharField(max_length=200, blank=True)
    body = models.JSONField(default=dict)
    answer = models.JSONField(default=dict)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # Like a real idempotent intake: one receipt per key, even under a race.
            models.UniqueConstraint(
                fields=["system", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="sandbox_one_receipt_per_key",
            )
        ]


class SandboxFault(HubModel):
    """Failure injection for one simulated system; `count` failures then normal service."""

    system = models.CharField(max_length=40, unique=True)
    status = models.PositiveIntegerField(null=True, blank=True)
    count = models.PositiveIntegerField(null=True, blank=True, help_text="Blank: until cleared.")
    latency_ms = models.PositiveIntegerField(default=0)
    down = models.BooleanField(default=False)
    reject_sku = models.CharField(max_length=60, blank=True)
    retry_after = models.PositiveIntegerField(
        null=True, blank=True, help_text="Seconds sent as Retry-After with each faked failure."
    )
    # Lets a run fail part-way: this many calls are served normally before the faults start.
    after = models.PositiveIntegerField(default=0, help_text="Calls served before failing.")


class SandboxWebhook(HubModel):
    """Where a simulated system sends its events, and the hub partner token it sends with."""

    system = models.CharField(max_length=40, unique=True)
    url = models.URLField(max_length=500)
    token = models.CharField(max_length=200)
    # The Standard Webhooks secret (whsec_…) the system signs its calls with, if it signs.
    secret = models.CharField(max_length=200, blank=True)


class SandboxStock(HubModel):
    """The sandbox WMS's own stock figure for one SKU at one location, with its last event."""

    sku = models.CharField(max_length=60)
    location = models.CharField(max_length=40)
    on_hand = models.DecimalField(max_digits=14, decimal_places=4, default=0)
    available = models.DecimalField(max_digits=14, decimal_places=4, default=0)
    sequence = models.PositiveBigIntegerField(default=0)
    occurred_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["sku", "location"], name="sandbox_one_stock_per_level")
        ]


class SandboxPrice(HubModel):
    """One contract price in the sandbox ERP's price lists, as its export serves it."""

    account = models.CharField(max_length=40)
    sku = models.CharField(max_length=60)
    unit_price = models.DecimalField(max_digits=14, decimal_places=4)
    currency = models.CharField(max_length=3, default="USD")
    uom = models.CharField(max_length=10, default="EA")
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    min_quantity = models.DecimalField(max_digits=14, decimal_places=4, default=1)
    contract = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "sku", "valid_from"], name="sandbox_one_price_per_start"
            )
        ]


class PimProduct(models.Model):
    """A product as the sandbox PIM keeps it: its own SKU spelling, unit codes and attributes."""

    sku = models.CharField(max_length=60, unique=True)
    name = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    unit = models.CharField(max_length=10)
    category = models.CharField(max_length=100, blank=True)
    attributes = models.JSONField(default=dict)
    images = models.JSONField(default=list)
    # What `updated_since` filters on; set by the populate and touch commands, not auto_now,
    # so a bulk insert stamps every row with one instant.
    updated_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"PIM product {self.sku}"


class SandboxBulkReceipt(HubModel):
    """One bulk update a simulated system received: which system, what kind, which records."""

    system = models.CharField(max_length=40)
    kind = models.CharField(max_length=40, help_text="products, prices, inventory, ...")
    idempotency_key = models.CharField(max_length=200, blank=True)
    count = models.PositiveIntegerField()
    keys = models.JSONField(default=list, help_text="The records' keys, in the order received.")
    items = models.JSONField(default=list)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["system", "kind", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="sandbox_one_bulk_receipt_per_key",
            )
        ]


class SandboxListing(HubModel):
    """What the sandbox storefront shows for one stock level or contract price: its own copy,
    as it last applied the hub's bulk updates (faults included), apart from the receipt log."""

    kind = models.CharField(max_length=40, help_text="inventory or prices")
    key = models.CharField(max_length=200, help_text="SKU@location, or account/SKU/valid from.")
    record = models.JSONField(default=dict)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], name="sandbox_one_listing_per_key")
        ]


class ListingFaultAction(models.TextChoices):
    DROP = "drop", "The storefront does not keep the record"
    DRIFT = "drift", "The storefront's quantities end up `by` units off"
    REPRICE = "reprice", "The storefront recalculates the price: `by` percent on top, in cents"


class SandboxListingFault(HubModel):
    """Failure injection for what the storefront applies: `count` records, then normal service."""

    kind = models.CharField(max_length=40)
    action = models.CharField(max_length=10, choices=ListingFaultAction.choices)
    sku = models.CharField(max_length=60, blank=True, help_text="Blank: any SKU.")
    by = models.DecimalField(max_digits=14, decimal_places=4, default=0)
    count = models.PositiveIntegerField(null=True, blank=True, help_text="Blank: until cleared.")

    class Meta:
        ordering = ["id"]
