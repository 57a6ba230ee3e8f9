from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.core.models import HubModel, NeverDeleted


class EnvelopeStatus(models.TextChoices):
    PROCESSING = "processing", "Stored; the pipeline is working on it"
    ACCEPTED = "accepted", "Applied (or quarantined) and answered"
    REJECTED = "rejected", "Refused with a structured error; kept as received"


class Envelope(NeverDeleted, HubModel):
    """An inbound payload exactly as received, stored before anything else happens."""

    partner = models.ForeignKey("systems.System", on_delete=models.PROTECT)
    flow = models.ForeignKey("flows.Flow", on_delete=models.PROTECT)
    idempotency_key = models.CharField(max_length=200, blank=True)
    body_hash = models.CharField(max_length=64)
    raw = models.BinaryField()
    content_type = models.CharField(max_length=100, blank=True)
    status = models.CharField(
        max_length=20, choices=EnvelopeStatus.choices, default=EnvelopeStatus.PROCESSING
    )
    subject_key = models.CharField(max_length=200, blank=True)
    # Whoever holds the lease is processing the payload; a retry may take over once it lapses.
    lease_token = models.CharField(max_length=32, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    error_code = models.CharField(max_length=60, blank=True)
    # A resend of an accepted body under a new key: answered with the first one's result.
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="resends"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["partner", "flow", "body_hash"])]
        constraints = [
            # A rejected payload frees its key: the partner fixes the body and sends it again.
            models.UniqueConstraint(
                fields=["partner", "flow", "idempotency_key"],
                condition=Q(status__in=["processing", "accepted"]) & ~Q(idempotency_key=""),
                name="one_live_envelope_per_key",
            )
        ]

    def __str__(self) -> str:
        return f"envelope {self.pk} from {self.partner_id} key {self.idempotency_key!r}"

    def raw_text(self) -> str:
        """The payload for reading; undecodable bytes show as replacement characters."""
        return bytes(self.raw).decode("utf-8", errors="replace")


class TraceOutcome(models.TextChoices):
    OK = "ok", "Done"
    NOTE = "note", "Done, with something worth knowing"
    FAILED = "failed", "Failed"


class TraceEvent(NeverDeleted):
    """One step in a business object's life: a stage, an attempt or a human action."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    subject_type = models.CharField(max_length=40)
    subject_key = models.CharField(max_length=200)
    stage = models.CharField(max_length=30)
    outcome = models.CharField(max_length=10, choices=TraceOutcome.choices)
    message = models.TextField()
    data = models.JSONField(default=dict, blank=True)
    envelope = models.ForeignKey(Envelope, null=True, blank=True, on_delete=models.SET_NULL)
    delivery = models.ForeignKey("Delivery", null=True, blank=True, on_delete=models.SET_NULL)
    # PROTECT: deleting a person must never erase who did what from the trace.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    # The request's or task's trace id: the same id is on every log line it wrote.
    trace_id = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["subject_type", "subject_key"])]

    def __str__(self) -> str:
        return f"{self.subject_type} {self.subject_key} {self.stage}: {self.outcome}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Due for its first attempt"
    IN_FLIGHT = "in_flight", "A worker is calling the target now"
    RETRYING = "retrying", "Failed in a way a retry can fix; waits for next_attempt_at"
    DELIVERED = "delivered", "The target accepted it"
    DEAD = "dead", "Gave up; a dead letter in the quarantine queue"
    HELD = "held", "Held by an operator; goes again only when released (retry now)"


class Delivery(NeverDeleted, HubModel):
    """An outbox row: one payload owed to one target system. The database holds work state."""

    flow = models.ForeignKey("flows.Flow", on_delete=models.PROTECT)
    target_system = models.ForeignKey("systems.System", on_delete=models.PROTECT)
    subject_type = models.CharField(max_length=40)
    subject_key = models.CharField(max_length=200)
    path = models.CharField(max_length=200)
    payload = models.JSONField()
    idempotency_key = models.CharField(max_length=80, unique=True)
    # Deliveries of one flow to one target with the same key go in the order they were made.
    line_key = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    response_body = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "deliveries"
        indexes = [models.Index(fields=["target_system", "line_key", "status"])]

    def __str__(self) -> str:
        return f"{self.subject_type} {self.subject_key} → {self.target_system_id}"


class DeliveryAttempt(NeverDeleted):
    """One call to the target, with what came back."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    succeeded = models.BooleanField(default=False)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["delivery", "number"]

    def __str__(self) -> str:
        return f"attempt {self.number} of delivery {self.delivery_id}"


class ReplayStatus(models.TextChoices):
    REQUESTED = "requested", "Waiting for a second person"
    DONE = "done", "Approved and queued again"
    REFUSED = "refused", "Refused by a second person"


class ReplayRequest(NeverDeleted, HubModel):
    """A request to send a flow's deliveries of a time range again; a second person decides."""

    flow = models.ForeignKey("flows.Flow", on_delete=models.PROTECT)
    since = models.DateTimeField()
    until = models.DateTimeField()
    reason = models.TextField()
    status = models.CharField(
        max_length=20, choices=ReplayStatus.choices, default=ReplayStatus.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    deliveries = models.PositiveIntegerField(default=0, help_text="How many were queued again.")

    class Meta:
        ordering = ["-created_at"]
        permissions = [("approve_replayrequest", "Can approve another person's replay request")]

    def __str__(self) -> str:
        return f"replay {self.flow_id} {self.since:%Y-%m-%d %H:%M}–{self.until:%Y-%m-%d %H:%M}"


class SyncMode(models.TextChoices):
    FULL = "full", "Full: every record the source has"
    DELTA = "delta", "Delta: only what changed since the last successful run"
    SNAPSHOT = "snapshot", "Snapshot: the source's whole current state, to repair drift"


class SyncStatus(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Finished"
    FAILED = "failed", "Stopped by an error; resumes from its cursor"
    INTERRUPTED = "interrupted", "Stopped part-way (worker died or was stopped); resumes"


class SyncRun(NeverDeleted, HubModel):
    """One batch pull of a flow (catalog, price lists, snapshots): a page at a time, resumable.

    The cursor is the source's own page token after the last page fully applied, so a run that
    stops half-way resumes there instead of starting over; the counts say what the run did in
    business terms.
    """

    flow = models.ForeignKey("flows.Flow", on_delete=models.PROTECT, related_name="sync_runs")
    mode = models.CharField(max_length=10, choices=SyncMode.choices)
    status = models.CharField(max_length=12, choices=SyncStatus.choices, default=SyncStatus.RUNNING)
    trigger = models.CharField(max_length=20, blank=True, help_text="beat, command or admin.")
    # Delta runs ask the source for what changed since this instant (the last good run's start).
    since = models.DateTimeField(null=True, blank=True)
    cursor = models.CharField(max_length=500, blank=True)
    pages = models.PositiveIntegerField(default=0)
    fetched = models.PositiveIntegerField(default=0)
    applied = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    quarantined = models.PositiveIntegerField(default=0)
    pushed = models.PositiveIntegerField(default=0)
    # The source's own total when it tells one, for progress.
    expected = models.PositiveIntegerField(null=True, blank=True)
    started_at = models.DateTimeField()
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["flow", "status", "started_at"])]

    def __str__(self) -> str:
        return f"{self.flow_id} {self.mode} run {self.pk} ({self.status})"

    @property
    def seconds(self) -> float | None:
        end = self.finished_at or self.heartbeat_at
        return (end - self.started_at).total_seconds() if end else None


class InboundEvent(NeverDeleted):
    """An event id a partner sent on an events flow, kept so a resent event applies once.

    Events travel in batches under the batch's own idempotency key; a sender that resends one
    event in a later batch (its outbox retried) is recognised by the event's own id.
    """

    created_at = models.DateTimeField(auto_now_add=True)
    partner = models.ForeignKey("systems.System", on_delete=models.PROTECT, related_name="+")
    flow = models.ForeignKey("flows.Flow", on_delete=models.PROTECT, related_name="+")
    event_id = models.CharField(max_length=100)
    envelope = models.ForeignKey(Envelope, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "flow", "event_id"], name="one_event_per_partner_id"
            )
        ]

    def __str__(self) -> str:
        return f"event {self.event_id} from {self.partner_id}"


class ConfigVersion(models.Model):
    """One row whose token changes with every change to configuration that web processes keep
    in memory (flows, systems, business owners, the ownership matrix): see config_cache."""

    token = models.CharField(max_length=32)

    def __str__(self) -> str:
        return f"configuration version {self.token}"
