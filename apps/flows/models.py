from datetime import timedelta

from django.db import models

from apps.core.history import history
from apps.core.models import HubModel, NeverDeleted


class DegradedMode(models.TextChoices):
    HOLD = "hold", "Hold: keep deliveries until the target is back"
    ACCEPT_AND_QUEUE = "accept_and_queue", "Accept inbound, queue outbound"
    BLOCK = "block", "Refuse inbound while the target is down"


class Flow(NeverDeleted, HubModel):
    """One integration: what moves from where to where, under which policy and owner."""

    deletion_refused = (
        "{plural} are deactivated, not deleted: envelopes and deliveries refer to them."
    )

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    # Blank source: any partner may send; blank target: the flow ends in the hub's records.
    source_system = models.ForeignKey(
        "systems.System", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    target_system = models.ForeignKey(
        "systems.System", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner = models.ForeignKey("ownership.BusinessOwner", on_delete=models.PROTECT)
    runbook = models.TextField(help_text="What on-call does when this flow alerts.")
    schema_version = models.CharField(max_length=20, default="1")
    mapping_version = models.CharField(max_length=20, default="1")
    queue = models.CharField(max_length=40, default="celery")
    max_attempts = models.PositiveIntegerField(default=8)
    backoff_base_seconds = models.FloatField(default=2.0)
    backoff_max_seconds = models.FloatField(default=600.0)
    retry_window = models.DurationField(default=timedelta(hours=24))
    degraded_mode = models.CharField(
        max_length=20, choices=DegradedMode.choices, default=DegradedMode.HOLD
    )
    is_paused = models.BooleanField(default=False)
    # Paused holds deliveries for a while; inactive retires the flow: it takes no new payloads.
    is_active = models.BooleanField(
        default=True, help_text="Inactive flows refuse new payloads; their records stay."
    )
    history = history()

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code
