from django.db import models

from apps.core.models import HubModel, NeverDeleted


class AlertStatus(models.TextChoices):
    OPEN = "open", "Raised; the owner has been told"
    CLOSED = "closed", "The cause is gone (item resolved or discarded)"


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

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.subject_type} {self.subject_key}"
