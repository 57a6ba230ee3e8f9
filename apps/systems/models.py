from django.db import models

from apps.core.history import history
from apps.core.models import HubModel


class SystemKind(models.TextChoices):
    ERP = "erp", "ERP: authorises prices, credit, invoices"
    PIM = "pim", "PIM: owns product content"
    WMS = "wms", "WMS: owns inventory and shipments"
    CRM = "crm", "CRM: owns accounts and contacts"
    STOREFRONT = "storefront", "B2B storefront: creates carts, quotes, orders"
    GATEWAY = "gateway", "Payment gateway: owns payments and refunds"
    MARKETPLACE = "marketplace", "Marketplace"
    EDI_PARTNER = "edi_partner", "EDI trading partner"
    PROCUREMENT = "procurement", "Procurement system (punchout)"


class Environment(models.TextChoices):
    PRODUCTION = "production", "Production"
    TEST = "test", "Test"
    SANDBOX = "sandbox", "Sandbox (simulated)"


class System(HubModel):
    """An outside system the hub talks to, and how to reach it."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=SystemKind.choices)
    environment = models.CharField(
        max_length=20, choices=Environment.choices, default=Environment.SANDBOX
    )
    base_url = models.URLField(blank=True, help_text="Where the hub calls this system.")
    auth_token = models.CharField(
        max_length=200, blank=True, help_text="Bearer token the hub presents to this system."
    )
    timeout_seconds = models.FloatField(default=10.0)
    is_active = models.BooleanField(default=True)
    history = history()

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class ExternalReference(HubModel):
    """How one system identifies a canonical record: SKU `bolt-m8` in the PIM is ACME-BOLT-M8."""

    system = models.ForeignKey(System, on_delete=models.CASCADE, related_name="references")
    entity = models.CharField(max_length=40)
    external_id = models.CharField(max_length=120)
    canonical_key = models.CharField(max_length=120, help_text="The record's key in the hub.")
    history = history()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["system", "entity", "external_id"], name="one_meaning_per_external_id"
            )
        ]
        indexes = [models.Index(fields=["entity", "canonical_key"])]

    def __str__(self) -> str:
        return f"{self.system}:{self.entity}:{self.external_id} → {self.canonical_key}"
