from django.db import models


class RuleKind(models.TextChoices):
    """A failure mode an alert rule watches; the threshold's unit is in the label."""

    QUARANTINED = "quarantined", "Records quarantined (open items, count)"
    DEAD_LETTERS = "dead_letters", "Dead letters (deliveries given up, count)"
    SYNC_DELAY = "sync_delay", "Sync delay past the freshness SLA (percent of the SLA)"
    SYNC_FAILED = "sync_failed", "Batch sync run failed (the last run, 1 = any)"
    RECONCILIATION = "reconciliation", "Reconciliation mismatches (unresolved, count)"
    STUCK_APPROVALS = "stuck_approvals", "Corrections waiting for approval past the SLA (count)"


class ChangeField(models.TextChoices):
    SCHEMA = "schema_version", "Schema version"
    MAPPING = "mapping_version", "Mapping version"


class ChangeStatus(models.TextChoices):
    PENDING = "pending", "Waiting for the flow owner's review; not active"
    APPROVED = "approved", "Reviewed by the owner and active"
    REFUSED = "refused", "Refused by the owner; the flow kept its version"
