from django.conf import settings
from django.db import models

from apps.core.history import history
from apps.core.models import HubModel, NeverDeleted
from apps.ownership.models import BusinessOwner


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
    # Who works the item now; the assigned owner still decides (an assignee prepares).
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Items with the same cause (one missing SKU, one stale price) are fixed as one group.
    cause = models.CharField(max_length=300, blank=True, db_index=True)
    history = history()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["subject_type", "subject_key"])]
        permissions = [("approve_replay", "Can approve or refuse another person's correction")]

    def __str__(self) -> str:
        return f"{self.subject_type} {self.subject_key}: {self.reason_code}"

    def is_owned_by(self, user) -> bool:
        """The assigned owner's team, or a superuser (integration admin), may correct it."""
        if user.is_superuser or self.assigned_owner.user_id == user.pk:
            return True
        return self.assigned_owner.area in team_areas(user)

    def is_settled(self) -> bool:
        return self.status in (QuarantineStatus.RESOLVED, QuarantineStatus.DISCARDED)


def team_areas(user) -> set[str]:
    """The business areas (pricing, order desk) `user` works in: their team's items are theirs."""
    if not getattr(user, "pk", None):
        return set()
    cached = getattr(user, "_quarantine_team_areas", None)
    if cached is None:
        cached = set(BusinessOwner.objects.filter(user=user).values_list("area", flat=True))
        user._quarantine_team_areas = cached
    return cached


class QuarantineAction(NeverDeleted, HubModel):
    """A human decision on an item: correction, approval, refusal, with the reason given."""

    item = models.ForeignKey(QuarantineItem, on_delete=models.CASCADE, related_name="actions")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    action = models.CharField(max_length=30)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.actor} {self.action.replace('_', ' ')} {self.item}"


class QuarantineCorrection(NeverDeleted, HubModel):
    """One version of an owner's correction; the item's payload as mapped is never changed."""

    item = models.ForeignKey(QuarantineItem, on_delete=models.CASCADE, related_name="corrections")
    version = models.PositiveIntegerField()
    payload = models.JSONField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    decision = models.CharField(max_length=40)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["item", "version"]
        constraints = [
            models.UniqueConstraint(fields=["item", "version"], name="one_correction_version")
        ]

    def __str__(self) -> str:
        return f"{self.item}: correction v{self.version}"


class SavedQueueView(HubModel):
    """A person's named filter of the queue ("mine", "overdue"), one click away next time."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quarantine_views"
    )
    name = models.CharField(max_length=60)
    query = models.CharField(max_length=500, help_text="The queue's query string.")

    class Meta:
        ordering = ["user", "name"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="one_saved_view_name")]

    def __str__(self) -> str:
        return f"{self.user}: {self.name}"
