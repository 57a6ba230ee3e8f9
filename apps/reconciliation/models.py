from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from apps.core.models import HubModel
from apps.reconciliation.choices import RunStatus, Trigger


class ReconciliationRun(HubModel):
    """One run of a reconciliation: both sides pulled and compared, with counts per kind."""

    name = models.CharField(max_length=40)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    left_count = models.PositiveIntegerField(default=0)
    right_count = models.PositiveIntegerField(default=0)
    matched_count = models.PositiveIntegerField(default=0)
    mismatch_count = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True, help_text="Mismatches per kind.")
    value_at_stake = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    opened_items = models.PositiveIntegerField(default=0)
    closed_items = models.PositiveIntegerField(default=0)
    resolved_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["name", "status", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.name} run {self.pk}"

    @property
    def seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.created_at).total_seconds()


class Mismatch(HubModel):
    """One disagreement a run found: both values, what it costs, who fixes it and how."""

    run = models.ForeignKey(ReconciliationRun, on_delete=models.CASCADE, related_name="mismatches")
    reconciliation = models.CharField(max_length=40)
    comparison = models.CharField(max_length=60, help_text="Which two systems, e.g. hub-erp.")
    left_system = models.CharField(max_length=40)
    right_system = models.CharField(max_length=40)
    key = models.CharField(max_length=200)
    kind = models.CharField(max_length=60)
    left_value = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    right_value = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    changed_fields = models.JSONField(default=list, blank=True)
    effect = models.CharField(max_length=300)
    value_at_stake = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    owner = models.ForeignKey(
        "ownership.BusinessOwner", null=True, blank=True, on_delete=models.PROTECT
    )
    suggested_action = models.CharField(max_length=300)
    subject_type = models.CharField(max_length=40, help_text="The business object, for its trace.")
    subject_key = models.CharField(max_length=200)
    quarantine_item = models.ForeignKey(
        "quarantine.QuarantineItem", null=True, blank=True, on_delete=models.PROTECT
    )
    first_seen_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by_run = models.ForeignKey(
        ReconciliationRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["run", "comparison", "kind", "key"]
        verbose_name_plural = "mismatches"
        indexes = [
            models.Index(fields=["reconciliation", "resolved_at"]),
            models.Index(fields=["run", "kind"]),
        ]

    def __str__(self) -> str:
        return f"{self.comparison} {self.key}: {self.kind}"
