from datetime import timedelta

from django.conf import settings
from django.db import models

from apps.core.history import history
from apps.core.models import HubModel, NeverDeleted


class DegradedMode(models.TextChoices):
    HOLD = "hold", "Hold: keep deliveries until the target is back"
    ACCEPT_AND_QUEUE = "accept_and_queue", "Accept inbound, queue outbound"
    BLOCK = "block", "Refuse inbound while the target is down"


class FlowPattern(models.TextChoices):
    BATCH_PULL = "batch_pull", "Batch pull: the hub pages through the source, then takes deltas"
    SCHEDULED_BATCH = "scheduled_batch", "Scheduled batch: the source's export on a timetable"
    BATCH_AND_EVENTS = "batch_and_events", "Scheduled batch, with events between runs"
    EVENTS = "events", "Events: the source calls the hub's webhook as things happen"
    REAL_TIME = "real_time", "Real-time request: the sender waits for the hub's answer"
    SESSION = "session", "Round-trip session: a buyer leaves their system and comes back"


class BuildStatus(models.TextChoices):
    IMPLEMENTED = "implemented", "Implemented: the hub runs this flow"
    NOT_BUILT = "not_built", "Not built yet: catalogued and owned, but nothing runs it"


def flow_queue_choices() -> list[tuple[str, str]]:
    """The flow-class queues from settings; callable, so migrations do not freeze the list."""
    return [(name, f"{name}: {meaning}") for name, meaning in settings.HUB_FLOW_QUEUES.items()]


class Flow(NeverDeleted, HubModel):
    """One integration: what moves from where to where, under which policy and owner."""

    deletion_refused = (
        "{plural} are deactivated, not deleted: envelopes and deliveries refer to them."
    )

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    # Catalogued flows exist before their code does; the admin says which is which.
    build_status = models.CharField(
        max_length=20, choices=BuildStatus.choices, default=BuildStatus.NOT_BUILT
    )
    pattern = models.CharField(max_length=20, choices=FlowPattern.choices)
    # Blank source: any partner may send; blank target: the flow ends in the hub's records.
    source_system = models.ForeignKey(
        "systems.System", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    target_system = models.ForeignKey(
        "systems.System", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner = models.ForeignKey("ownership.BusinessOwner", on_delete=models.PROTECT)
    runbook = models.TextField(help_text="What on-call does when this flow alerts.")
    schedule = models.CharField(
        max_length=60,
        help_text="A cron line (`0 2 * * *`), an interval (`every 15 minutes`), "
        "or `on event` / `on request` for flows their sender starts.",
    )
    schedule_description = models.CharField(
        max_length=200, help_text="The schedule in plain English, as on-call reads it."
    )
    freshness_sla = models.DurationField(
        help_text="How far behind its source the target may fall before someone is alerted."
    )
    resolution_sla = models.DurationField(
        default=timedelta(days=1),
        help_text="How long a quarantined item of this flow may wait for its owner.",
    )
    schema_version = models.CharField(max_length=20, default="1")
    mapping_version = models.CharField(max_length=20, default="1")
    queue = models.CharField(max_length=40, choices=flow_queue_choices, default="events")
    max_attempts = models.PositiveIntegerField(default=8)
    backoff_base_seconds = models.FloatField(default=2.0)
    backoff_max_seconds = models.FloatField(default=600.0)
    retry_window = models.DurationField(default=timedelta(hours=24))
    degraded_mode = models.CharField(
        max_length=20, choices=DegradedMode.choices, default=DegradedMode.HOLD
    )
    # Paused holds deliveries while intake still accepts; draining refuses new payloads while
    # deliveries finish. Only the services flip them, so each change carries a reason.
    is_paused = models.BooleanField(default=False)
    is_draining = models.BooleanField(
        default=False, help_text="Draining flows refuse new payloads and finish what is queued."
    )
    # Paused holds deliveries for a while; inactive retires the flow: it takes no new payloads.
    is_active = models.BooleanField(
        default=True, help_text="Inactive flows refuse new payloads; their records stay."
    )
    history = history()

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

    def is_built(self) -> bool:
        return self.build_status == BuildStatus.IMPLEMENTED

    def operating_state(self) -> str:
        """What the operator controls leave running, in the words the admin and command use."""
        if self.is_paused and self.is_draining:
            return "paused and draining"
        if self.is_paused:
            return "paused"
        return "draining" if self.is_draining else "running"
