from django.conf import settings
from django.db import models

from apps.core.history import history
from apps.core.models import HubModel, NeverDeleted


class QuarantineStatus(models.TextChoices):
    OPEN = "open", "Waiting for the business owner to correct it"
    AWAITING_APPROVAL = "awaiting_approval", "Corrected; waiting for a second person to approve"
    RESOLVED = "resolved", "Replayed successfully"
    DISCARDED = "discarded", "Closed without replay by its owner"


class QuarantineItem(NeverDeleted, HubModel):
    """A record the pipeline would not apply, waiting for a person who owns the decision."""

    flow = models.ForeignKey("flows.Flow", on_delete=models.PROTECT)
    reason_code = models.CharField(max_length=60)
    message = models.TextField()
    subject_type = models.CharField(max_length=40, help_text="e.g. order")
    subject_key = models.CharField(max_length=200, help_text="e.g. the order number")
    payload = models.JSONField(help_text="The canonical document as the pipeline mapped it.")
    problems = models.JSONField(default=list)
    corrected_payload = models.JSONField(null=True, blank=True)
    assigned_owner = models.ForeignKey("ownership.BusinessOwner", on_delete=models.PROTECT)
    status = models.CharField(
        max_length=20, choices=QuarantineStatus.choices, default=QuarantineStatus.OPEN
    )
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    history = history()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["subject_type", "subject_key"])]
        permissions = [("approve_replay", "Can approve or refuse another person's correction")]

    def __str__(self) -> str:
        return f"{self.subject_type} {self.subject_key}: {self.reason_code}"

    def is_owned_by(self, user) -> bool:
        """The assigned owner, or a superuser (integration admin), may correct it."""
        return user.is_superuser or self.assigned_owner.user_id == user.pk


class QuarantineAction(NeverDeleted, HubModel):
    """A human decision on an item: correction, approval, refusal, with the reason given."""

    item = models.ForeignKey(QuarantineItem, on_delete=models.CASCADE, related_name="actions")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    action = models.CharField(max_length=30)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["created_at"]
