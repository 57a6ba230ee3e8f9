from django.db import models

from apps.core.history import history
from apps.core.models import HubModel


class ProductStatus(models.TextChoices):
    ACTIVE = "active", "Active: may be ordered"
    DISCONTINUED = "discontinued", "Discontinued: no new orders"


class Product(HubModel):
    """The canonical product, keyed by the hub's SKU."""

    sku = models.CharField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    uom = models.CharField(max_length=10, default="EA", help_text="Canonical unit of measure.")
    attributes = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=20, choices=ProductStatus.choices, default=ProductStatus.ACTIVE
    )
    # The catalog sync's fingerprint of the source record as mapped: equal means unchanged, so
    # the record is neither written nor pushed again.
    content_hash = models.CharField(max_length=64, blank=True, editable=False)
    # The SKU as the source spells it; another spelling that normalises to the same SKU is a
    # second product claiming this one's identity, held for the catalog owner.
    source_sku = models.CharField(max_length=60, blank=True, editable=False)
    history = history()

    class Meta:
        ordering = ["sku"]

    def __str__(self) -> str:
        return self.sku


class UnitConversion(HubModel):
    """How one system's unit code maps to a canonical unit: `CS` from the storefront = 12 EA."""

    system = models.ForeignKey("systems.System", on_delete=models.CASCADE)
    external_code = models.CharField(max_length=10)
    product = models.ForeignKey(
        Product,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text="Blank: applies to every product of this system.",
    )
    canonical_uom = models.CharField(max_length=10)
    factor = models.DecimalField(max_digits=12, decimal_places=4)
    history = history()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["system", "external_code", "product"], name="one_conversion_per_unit"
            ),
            models.CheckConstraint(condition=models.Q(factor__gt=0), name="factor_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.system} {self.external_code} = {self.factor} {self.canonical_uom}"


class InventoryLevel(HubModel):
    """Stock of one product at one location, as the WMS reports it."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="inventory")
    location = models.CharField(max_length=40)
    on_hand = models.DecimalField(max_digits=14, decimal_places=4, default=0)
    available = models.DecimalField(max_digits=14, decimal_places=4, default=0)
    backorder_date = models.DateField(null=True, blank=True)
    # Where the figure stands in the WMS's own order of events: an event or snapshot row
    # older than this never overwrites it (events arrive late, twice, or out of order).
    as_of = models.DateTimeField(null=True, blank=True, help_text="The WMS's time of the figure.")
    as_of_sequence = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="The WMS's event sequence number of the figure."
    )
    history = history()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "location"], name="one_level_per_location")
        ]

    def __str__(self) -> str:
        return f"{self.product.sku}@{self.location}: {self.available}"


class SkuRule(HubModel):
    """How one system's SKUs normalise to ours: case, separators, a prefix to drop."""

    system = models.OneToOneField("systems.System", on_delete=models.CASCADE)
    uppercase = models.BooleanField(default=True)
    strip_characters = models.CharField(
        max_length=20, blank=True, help_text="Separators removed before matching, e.g. ' _'"
    )
    strip_prefix = models.CharField(max_length=20, blank=True)
    history = history()

    def __str__(self) -> str:
        return f"SKU rule for {self.system}"
