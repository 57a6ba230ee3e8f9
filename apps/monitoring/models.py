from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from apps.core.models import HubModel, NeverDeleted
from apps.monitoring.choices import ChangeField, ChangeStatus, RuleKind


class Runbook(NeverDeleted, HubModel):
    """What on-call does for one flow; its text lives in numbered versions, never overwritten."""

    deletion_refused = "{plural} keep their versions; alerts and evidence packs cite them."

    flow = models.OneToOneField("flows.Flow", on_delete=models.PROTECT, related_name="runbook_doc")
    title = models.CharField(max_length=200)

    class Meta:
        ordering = ["flow__code"]

    def __str__(self) -> str:
        return self.title

    def current(self) -> "RunbookVersion | None":
        return self.versions.order_by("-number").first()


class RunbookVersion(NeverDeleted, HubModel):
    """One published text of a runbook: cause, recovery, escalation and commands."""

    runbook = models.ForeignKey(Runbook, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    likely_cause = models.TextField()
    recovery_steps = models.TextField()
    escalation = models.TextField()
    commands = models.TextField(blank=True, help_text="Commands to run, one a line.")
    expected_after_success = models.TextField(
        blank=True, help_text="The business status a record reaches when the flow works."
    )
    expected_after_failure = models.TextField(
        blank=True, help_text="Where a record stands, and who is told, when it fails."
    )
    note = models.CharField(max_length=200, blank=True, help_text="What changed and why.")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["runbook", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["runbook", "number"], name="one_runbook_version")
        ]

    def __str__(self) -> str:
        return f"{self.runbook} v{self.number}"


class AlertRule(HubModel):
    """A failure mode of a flow worth waking someone for, and who decides what happens next."""

    flow = models.ForeignKey("flows.Flow", on_delete=models.PROTECT, related_name="alert_rules")
    kind = models.CharField(max_length=20, choices=RuleKind.choices)
    threshold = models.DecimalField(
        max_digits=10, decimal_places=2, default=1, help_text="Raised at or above this value."
    )
    # PROTECT and not null: an alert nobody may act on is noise (see clean()).
    owner = models.ForeignKey(
        "ownership.BusinessOwner",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Holds decision authority: retry, repair or accept.",
    )
    escalate_to = models.ForeignKey(
        "ownership.BusinessOwner",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Told when the owner has not acknowledged in time.",
    )
    escalate_after = models.DurationField(default=timedelta(hours=1))
    runbook = models.ForeignKey(Runbook, null=True, blank=True, on_delete=models.PROTECT)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["flow__code", "kind"]
        constraints = [models.UniqueConstraint(fields=["flow", "kind"], name="one_rule_per_kind")]

    def __str__(self) -> str:
        return f"{self.flow_id}: {self.get_kind_display()}"

    def clean(self) -> None:
        if not self.owner_id:
            raise ValidationError(
                {"owner": "An alert rule needs an owner with decision authority over the flow."}
            )


class SchemaChange(NeverDeleted, HubModel):
    """A requested schema or mapping version of a flow; active only once its owner approves."""

    flow = models.ForeignKey("flows.Flow", on_delete=models.PROTECT, related_name="+")
    field = models.CharField(max_length=20, choices=ChangeField.choices)
    from_version = models.CharField(max_length=20)
    to_version = models.CharField(max_length=20)
    status = models.CharField(
        max_length=10, choices=ChangeStatus.choices, default=ChangeStatus.PENDING
    )
    impact = models.JSONField(default=dict, help_text="Downstream flows, partners and owners.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.flow_id} {self.field} {self.from_version} → {self.to_version}"
