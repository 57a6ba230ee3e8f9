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


class SandboxWebhook(HubModel):
    """Where a simulated system sends its events, and the hub partner token it sends with."""

    system = models.CharField(max_length=40, unique=True)
    url = models.URLField(max_length=500)
    token = models.CharField(max_length=200)
