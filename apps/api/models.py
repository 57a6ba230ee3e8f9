import hashlib
import secrets

from django.db import models

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
