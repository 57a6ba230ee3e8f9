from django.conf import settings
from django.db import models
from django.utils import timezone

from apps.core.models import HubModel, NeverDeleted


class AlertStatus(models.TextChoices):
    OPEN = "open", "Raised; the owner has been told"
    CLOSED = "closed", "The cause is gone (item resolved or discarded), or a person resolved it"


def _who(related_name: str):
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name=related_name,
    )


class Alert(NeverDeleted, HubModel):
    """Something a named person must act on, with the runbook that says how."""

    kind = models.CharField(max_length=40)
    subject_type = models.CharField(max_length=40)
    subject_key = models.CharField(max_length=200)
    quarantine_item = models.OneToOneField(
        "quarantine.QuarantineItem", null=True, blank=True, on_delete=models.CASCADE
    )
    owner = models.ForeignKey("ownership.BusinessOwner", on_delete=models.PROTECT)
    message = models.TextField()
    runbook_url = models.CharField(max_length=300)
    status = models.CharField(max_length=10, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    # Raised by a rule (flow-wide failure modes); per-item alerts have none.
    flow = models.ForeignKey("flows.Flow", null=True, blank=True, on_delete=models.PROTECT)
    rule = models.ForeignKey(
        "monitoring.AlertRule", null=True, blank=True, on_delete=models.PROTECT
    )
    # What the failure holds up, in money and lines, when the alert was raised.
    value_at_stake = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    lines_at_stake = models.PositiveIntegerField(default=0)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = _who("+")
    snoozed_until = models.DateTimeField(null=True, blank=True)
    snoozed_by = _who("+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = _who("+")
    resolution = models.CharField(max_length=300, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.subject_type} {self.subject_key}"

    def is_snoozed(self) -> bool:
        return bool(self.snoozed_until and self.snoozed_until > timezone.now())

    @property
    def state(self) -> str:
        """Open, snoozed, acknowledged or resolved: what the badge and the list show."""
        if self.status == AlertStatus.CLOSED:
            return "resolved"
        if self.is_snoozed():
            return "snoozed"
        return "acknowledged" if self.acknowledged_at else "open"
