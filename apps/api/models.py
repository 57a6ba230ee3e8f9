import base64
import hashlib
import secrets

from django.conf import settings
from django.db import models

from apps.core.fields import EncryptedTextField
from apps.core.models import HubModel


def token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class PartnerToken(HubModel):
    """An API token for one partner system; only its digest is stored."""

    system = models.ForeignKey("systems.System", on_delete=models.CASCADE, related_name="tokens")
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8, help_text="First characters, to tell tokens apart.")
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.system} {self.prefix}…"

    @staticmethod
    def new_key() -> str:
        return secrets.token_urlsafe(32)


class WebhookSecret(HubModel):
    """A shared secret a system signs its webhook calls with (Standard Webhooks, HMAC-SHA256).

    Kept encrypted, not as a digest: checking an HMAC needs the secret itself. A system may
    hold two live secrets while it rotates; a call signed with either is accepted.
    """

    system = models.ForeignKey(
        "systems.System", on_delete=models.CASCADE, related_name="webhook_secrets"
    )
    secret = EncryptedTextField()
    prefix = models.CharField(max_length=12, help_text="First characters, to tell secrets apart.")
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.system} {self.prefix}…"

    @staticmethod
    def new_secret() -> str:
        return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


class PartnerClient(HubModel):
    """An OAuth2 client (client credentials) of one partner system, with the scopes it may ask.

    The django-oauth-toolkit application holds the id and the hashed secret; revoking deletes
    it (and so every token it issued) and keeps this row, with the client id, for the record.
    """

    system = models.ForeignKey("systems.System", on_delete=models.CASCADE, related_name="clients")
    application = models.OneToOneField(
        "oauth2_provider.Application",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="partner_client",
    )
    client_id = models.CharField(max_length=100, unique=True)
    scopes = models.TextField(help_text="Space-separated scopes the client may ask for.")
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_rotated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["system", "-created_at"]

    def __str__(self) -> str:
        return f"{self.system} {self.client_id}"

    def scope_list(self) -> list[str]:
        return self.scopes.split()


class PartnerAccess(models.Model):
    """One partner API request: which partner and credential, what it asked, what it got."""

    at = models.DateTimeField(db_index=True)
    system = models.ForeignKey("systems.System", on_delete=models.PROTECT, related_name="+")
    credential = models.CharField(max_length=120)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=300)
    query = models.CharField(max_length=500, blank=True)
    route = models.CharField(max_length=60, blank=True, help_text="The API route's name.")
    status = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "partner API accesses"
        indexes = [models.Index(fields=["system", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.system_id} {self.method} {self.path}"


class FailureLink(HubModel):
    """A link a person at a partner opens in a browser to read that partner's failures page.

    Issued from the admin, it expires, and it can be revoked. It reads that one page and nothing
    else (the `failures:read` scope); like a token, only its digest is stored.
    """

    system = models.ForeignKey(
        "systems.System", on_delete=models.CASCADE, related_name="failure_links"
    )
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8, help_text="First characters, to tell links apart.")
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    # PROTECT: deleting a person must not erase who handed out a way in.
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True, help_text="Who at the partner has it.")

    class Meta:
        ordering = ["system", "-created_at"]

    def __str__(self) -> str:
        return f"{self.system} {self.prefix}…"
