from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import limits
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from apps.core.fields import EncryptedTextField
from apps.core.history import history
from apps.core.models import HubModel, NeverDeleted


class SystemKind(models.TextChoices):
    ERP = "erp", "ERP: authorises prices, credit, invoices"
    PIM = "pim", "PIM: owns product content"
    WMS = "wms", "WMS: owns inventory and shipments"
    CRM = "crm", "CRM: owns accounts and contacts"
    STOREFRONT = "storefront", "B2B storefront: creates carts, quotes, orders"
    GATEWAY = "gateway", "Payment gateway: owns payments and refunds"
    MARKETPLACE = "marketplace", "Marketplace"
    EDI_PARTNER = "edi_partner", "EDI trading partner"
    PROCUREMENT = "procurement", "Procurement system (punchout)"


# Systems of record answer for every account (the ERP prices them all); partners such as a
# storefront or marketplace see only the accounts they are entitled to.
SYSTEMS_OF_RECORD = {
    SystemKind.ERP,
    SystemKind.PIM,
    SystemKind.WMS,
    SystemKind.CRM,
    SystemKind.GATEWAY,
}


class Environment(models.TextChoices):
    PRODUCTION = "production", "Production"
    TEST = "test", "Test"
    SANDBOX = "sandbox", "Sandbox (simulated)"


def delivery_rate_check(value: str) -> None:
    """A rate in the `limits` notation: "10/second", "300 per minute"; one rate, not a list."""
    try:
        limits.parse(value)
    except ValueError:
        raise ValidationError(
            f"{value!r} is not a rate; write it like '10/second' or '300/minute'."
        ) from None


# Tokens shorter than this are shown only as "set", never by their last characters.
HINT_MIN_LENGTH = 16


class System(NeverDeleted, HubModel):
    """An outside system the hub talks to, and how to reach it."""

    deletion_refused = (
        "Systems are deactivated, not deleted: envelopes, deliveries and the trace name them."
    )

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=SystemKind.choices)
    environment = models.CharField(
        max_length=20, choices=Environment.choices, default=Environment.SANDBOX
    )
    base_url = models.URLField(blank=True, help_text="Where the hub calls this system.")
    auth_token = EncryptedTextField(
        blank=True, help_text="Bearer token the hub presents to this system; stored encrypted."
    )
    timeout_seconds = models.FloatField(default=10.0)
    is_active = models.BooleanField(default=True)
    api_requests_per_minute = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Partner API requests allowed per minute; blank uses the hub's default "
        "(HUB_PARTNER_RATE_PER_MINUTE). To stop a partner, deactivate it instead.",
    )
    delivery_rate_limit = models.CharField(
        max_length=40,
        blank=True,
        validators=[delivery_rate_check],
        help_text="Deliveries the hub may send per period, counted across every worker, "
        "e.g. '10/second' or '300/minute'; blank = unlimited.",
    )
    circuit_failure_threshold = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Consecutive retryable delivery failures that open the circuit; blank uses "
        "the hub's default (HUB_CIRCUIT_FAILURE_THRESHOLD).",
    )
    circuit_cooloff_seconds = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="How long an open circuit holds deliveries before one probe goes; blank "
        "uses the hub's default (HUB_CIRCUIT_COOLOFF_SECONDS).",
    )
    # The token stays out of history: its pages and diffs would show it in full. Credential
    # changes are recorded as a history reason instead (systems.services).
    history = history(excluded_fields=["auth_token"])

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

    def credential_hint(self) -> str:
        """What may be shown of the token: whether it is set, and its last 4 if it is long."""
        if not self.auth_token:
            return "not set"
        # A short token would be mostly given away by its tail.
        if len(self.auth_token) < HINT_MIN_LENGTH:
            return "set"
        return f"set (…{self.auth_token[-4:]})"

    def api_rate_per_minute(self) -> int:
        """The partner API requests this system may make per minute."""
        return self.api_requests_per_minute or settings.HUB_PARTNER_RATE_PER_MINUTE

    def sees_every_account(self) -> bool:
        """A system of record sees all accounts; a partner only those it is entitled to."""
        return self.kind in SYSTEMS_OF_RECORD

    def circuit_threshold(self) -> int:
        """Consecutive retryable failures after which the hub stops calling this system."""
        return self.circuit_failure_threshold or settings.HUB_CIRCUIT_FAILURE_THRESHOLD

    def circuit_cooloff(self) -> timedelta:
        """How long an open circuit waits before it lets one probe delivery through."""
        return timedelta(
            seconds=self.circuit_cooloff_seconds or settings.HUB_CIRCUIT_COOLOFF_SECONDS
        )


class ExternalReference(HubModel):
    """How one system identifies a canonical record: SKU `bolt-m8` in the PIM is ACME-BOLT-M8."""

    system = models.ForeignKey(System, on_delete=models.CASCADE, related_name="references")
    entity = models.CharField(max_length=40)
    external_id = models.CharField(max_length=120)
    canonical_key = models.CharField(max_length=120, help_text="The record's key in the hub.")
    history = history()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["system", "entity", "external_id"], name="one_meaning_per_external_id"
            )
        ]
        indexes = [models.Index(fields=["entity", "canonical_key"])]

    def __str__(self) -> str:
        return f"{self.system}:{self.entity}:{self.external_id} → {self.canonical_key}"


class WindowKind(models.TextChoices):
    ONE_OFF = "one_off", "One-off: from a start to an end"
    WEEKLY = "weekly", "Weekly: on the chosen weekdays, from a local start time, for a duration"


WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
# A week: a longer weekly window would overlap its own next occurrence.
MAX_WINDOW_MINUTES = 7 * 24 * 60


def time_zone_check(value: str) -> None:
    """An IANA time zone name such as "Europe/Berlin"."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            f"{value!r} is not a time zone; use a name like 'Europe/Berlin'."
        ) from None


class MaintenanceWindow(HubModel):
    """A time when a system is down on purpose: its deliveries wait, attempts are not spent."""

    system = models.ForeignKey(System, on_delete=models.CASCADE, related_name="maintenance_windows")
    kind = models.CharField(max_length=10, choices=WindowKind.choices, default=WindowKind.ONE_OFF)
    reason = models.CharField(
        max_length=120, help_text="Shown on held deliveries, e.g. 'Friday patching'."
    )
    starts_at = models.DateTimeField(null=True, blank=True, help_text="One-off windows.")
    ends_at = models.DateTimeField(null=True, blank=True, help_text="One-off windows.")
    # Python's numbering, Monday = 0, comma-separated: "4" is every Friday, "5,6" weekends.
    weekdays = models.CharField(
        max_length=13,
        blank=True,
        validators=[RegexValidator(r"^[0-6](,[0-6])*$", "Weekdays are numbers 0 (Monday) to 6.")],
    )
    start_time = models.TimeField(null=True, blank=True, help_text="Weekly windows, local time.")
    duration_minutes = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_WINDOW_MINUTES)],
        help_text="Weekly windows; may run past midnight.",
    )
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[time_zone_check],
        help_text="Weekly windows: the zone their start time is in (follows daylight saving).",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    history = history()

    class Meta:
        ordering = ["system", "kind", "starts_at", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(
                        kind=WindowKind.ONE_OFF,
                        starts_at__isnull=False,
                        ends_at__isnull=False,
                        ends_at__gt=models.F("starts_at"),
                    )
                    | (
                        models.Q(
                            kind=WindowKind.WEEKLY,
                            start_time__isnull=False,
                            duration_minutes__isnull=False,
                            duration_minutes__gte=1,
                            duration_minutes__lte=MAX_WINDOW_MINUTES,
                        )
                        & ~models.Q(weekdays="")
                    )
                ),
                name="maintenance_window_has_its_kinds_fields",
                violation_error_message="A one-off window needs a start and a later end; a "
                "weekly one needs weekdays, a start time and a duration of at most 7 days.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.system}: {self.reason}"

    def weekday_numbers(self) -> set[int]:
        """The weekdays a weekly window starts on, Monday = 0."""
        return {int(day) for day in self.weekdays.split(",") if day}

    def end_if_covering(self, moment: datetime) -> datetime | None:
        """When this window ends, if `moment` falls inside it; None when it does not."""
        if self.kind == WindowKind.ONE_OFF:
            return self.ends_at if self.starts_at <= moment < self.ends_at else None
        ends = [end for start, end in self._occurrences_around(moment) if start <= moment < end]
        return max(ends, default=None)

    def _occurrences_around(self, moment: datetime):
        """Weekly occurrences that may still be running at `moment`, as UTC (start, end)."""
        zone = ZoneInfo(self.time_zone)
        length = timedelta(minutes=self.duration_minutes)
        local_day = moment.astimezone(zone).date()
        # An occurrence that started up to its own length ago may still be running: a Friday
        # 22:00 window of four hours covers Saturday 01:00.
        for back in range(self.duration_minutes // (24 * 60) + 2):
            day = local_day - timedelta(days=back)
            if day.weekday() in self.weekday_numbers():
                # The start is local wall-clock time (daylight saving moves it in UTC); the
                # length is elapsed time, so it is added in UTC.
                start = datetime.combine(day, self.start_time, tzinfo=zone).astimezone(UTC)
                yield start, start + length


class CircuitState(models.TextChoices):
    CLOSED = "closed", "Closed: deliveries go through"
    OPEN = "open", "Open: deliveries are held until the cool-off ends"
    HALF_OPEN = "half_open", "Half-open: one probe delivery is in flight; its outcome decides"


class SystemCircuit(HubModel):
    """The circuit breaker of one system: after repeated failures the hub stops calling it."""

    system = models.OneToOneField(System, on_delete=models.CASCADE, related_name="circuit")
    state = models.CharField(
        max_length=10, choices=CircuitState.choices, default=CircuitState.CLOSED
    )
    consecutive_failures = models.PositiveIntegerField(default=0)
    # Open: the end of the cool-off, when a probe may go. Half-open: when the probe counts as
    # lost (its worker died without reporting) and another may go.
    held_until = models.DateTimeField(null=True, blank=True)
    # Counting a failure changes no state: the services update the count without a history
    # row, so history lists openings, probes and closings (with the count at that moment).
    history = history()

    def __str__(self) -> str:
        return f"{self.system}: circuit {self.state}"

    def holds_at(self, moment: datetime) -> bool:
        """Whether deliveries to the system wait at `moment` (open, or a probe in flight)."""
        return self.state != CircuitState.CLOSED and self.held_until > moment

    def probe_due_at(self, moment: datetime) -> bool:
        """Whether the next delivery at `moment` is the probe that may close the circuit."""
        return self.state != CircuitState.CLOSED and self.held_until <= moment


class PartnerWebhook(HubModel):
    """Where the hub sends a partner's order events, and the secret it signs them with.

    Signed the Standard Webhooks way (webhook-id, webhook-timestamp, webhook-signature). The
    secret is kept encrypted: signing needs it in the clear. While a rotation settles the hub
    signs with the new and the previous secret, so the partner can switch without a gap.
    """

    system = models.OneToOneField(System, on_delete=models.CASCADE, related_name="webhook")
    url = models.URLField(help_text="The partner's HTTPS endpoint that receives the events.")
    secret = EncryptedTextField(help_text="whsec_… (Standard Webhooks); shown once when made.")
    previous_secret = EncryptedTextField(blank=True)
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    # Order history up to here has been turned into events; each run looks a little further
    # back than this, as a transaction may commit after a later one.
    events_seen_until = models.DateTimeField()

    def __str__(self) -> str:
        return f"webhook of {self.system}"

    def signing_secrets(self, moment: datetime) -> list[str]:
        """The secrets a message sent at `moment` is signed with: current, then previous."""
        secrets = [self.secret]
        if (
            self.previous_secret
            and self.previous_secret_until
            and moment < self.previous_secret_until
        ):
            secrets.append(self.previous_secret)
        return secrets
