from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from apps.core.fields import EncryptedTextField
from apps.core.history import history
from apps.core.models import HubModel, NeverDeleted


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


# Systems of record answer for every account (the ERP prices them all); partners such as a
# storefront or marketplace see only the accounts they are entitled to.
SYSTEMS_OF_RECORD = {
    SystemKind.ERP,
    SystemKind.PIM,
    SystemKind.WMS,
    SystemKind.CRM,
    SystemKind.GATEWAY,
}


class Environment(models.TextChoices):
    PRODUCTION = "production", "Production"
    TEST = "test", "Test"
    SANDBOX = "sandbox", "Sandbox (simulated)"


# Tokens shorter than this are shown only as "set", never by their last characters.
HINT_MIN_LENGTH = 16


class System(NeverDeleted, HubModel):
    """An outside system the hub talks to, and how to reach it."""

    deletion_refused = (
        "Systems are deactivated, not deleted: envelopes, deliveries and the trace name them."
    )

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=SystemKind.choices)
    environment = models.CharField(
        max_length=20, choices=Environment.choices, default=Environment.SANDBOX
    )
    base_url = models.URLField(blank=True, help_text="Where the hub calls this system.")
    auth_token = EncryptedTextField(
        blank=True, help_text="Bearer token the hub presents to this system; stored encrypted."
    )
    timeout_seconds = models.FloatField(default=10.0)
    is_active = models.BooleanField(default=True)
    api_requests_per_minute = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Partner API requests allowed per minute; blank uses the hub's default "
        "(HUB_PARTNER_RATE_PER_MINUTE). To stop a partner, deactivate it instead.",
    )
    # The token stays out of history: its pages and diffs would show it in full. Credential
    # changes are recorded as a history reason instead (systems.services).
    history = history(excluded_fields=["auth_token"])

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

    def credential_hint(self) -> str:
        """What may be shown of the token: whether it is set, and its last 4 if it is long."""
        if not self.auth_token:
            return "not set"
        # A short token would be mostly given away by its tail.
        if len(self.auth_token) < HINT_MIN_LENGTH:
            return "set"
        return f"set (…{self.auth_token[-4:]})"

    def api_rate_per_minute(self) -> int:
        """The partner API requests this system may make per minute."""
        return self.api_requests_per_minute or settings.HUB_PARTNER_RATE_PER_MINUTE

    def sees_every_account(self) -> bool:
        """A system of record sees all accounts; a partner only those it is entitled to."""
        return self.kind in SYSTEMS_OF_RECORD


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
