"""Writes to outside systems' records: credentials, activation, maintenance windows, the
circuit breaker, and admitting each delivery (which takes a rate-limit slot)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from limits.errors import StorageError

from apps.core.activation import REASON_MAX_LENGTH, active_flag_set
from apps.core.errors import InvalidTransition, ValidationFailed
from apps.systems.models import (
    CircuitState,
    MaintenanceWindow,
    PartnerWebhook,
    System,
    SystemCircuit,
)
from apps.systems.rates import delivery_rate_limiter
from apps.systems.selectors import Gate, circuit_gate, system_gate, utc_text

# With the rate-limit store unreachable, deliveries wait this long and ask again: long enough
# not to hammer it, short enough that a restarted Redis costs little.
STORE_DOWN_WAIT = timedelta(seconds=5)

# History keeps no copy of the token (it is excluded there); these reasons record the change.
REASON_SET = "credential changed"
REASON_CLEARED = "credential removed"


@transaction.atomic
def system_credentials_set(*, system: System, token: str, actor: AbstractBaseUser | None) -> System:
    """Replace the token the hub presents to `system`; history notes the change, not the value."""
    token = token.strip()
    if not token:
        raise ValidationFailed("A token cannot be blank; remove the credential instead.")
    return _credential_save(system, token, actor, REASON_SET)


@transaction.atomic
def system_credentials_clear(*, system: System, actor: AbstractBaseUser | None) -> System:
    """Remove the token: the hub then calls `system` without credentials."""
    return _credential_save(system, "", actor, REASON_CLEARED)


def _credential_save(system: System, token: str, actor, reason: str) -> System:
    system.auth_token = token
    system._change_reason = reason
    if actor is not None:
        system._history_user = actor
    system.save(update_fields=["auth_token", "updated_at"])
    return system


@transaction.atomic
def system_credentials_rotate() -> int:
    """Re-encrypt every stored credential with the current (first) key; returns how many."""
    # Reading decrypts with any configured key; writing encrypts with the first. All rows are
    # read before any is written, so one undecryptable value stops the run with nothing changed.
    systems = list(System.objects.select_for_update().exclude(auth_token="").only("auth_token"))
    for system in systems:
        # A re-encryption is not a credential change: update() leaves history alone.
        System.objects.filter(pk=system.pk).update(auth_token=system.auth_token)
    return len(systems) + _partner_webhook_secrets_rotate()


def _partner_webhook_secrets_rotate() -> int:
    hooks = list(PartnerWebhook.objects.select_for_update().only("secret", "previous_secret"))
    for hook in hooks:
        PartnerWebhook.objects.filter(pk=hook.pk).update(
            secret=hook.secret, previous_secret=hook.previous_secret
        )
    return len(hooks)


@transaction.atomic
def system_deactivate(*, system: System, actor: AbstractBaseUser | None, reason: str) -> System:
    """Retire a system: its partner tokens stop authenticating; its records and history stay."""
    return active_flag_set(instance=system, active=False, actor=actor, reason=reason)


@transaction.atomic
def system_reactivate(*, system: System, actor: AbstractBaseUser | None, reason: str) -> System:
    """Let a deactivated system authenticate and be called again."""
    return active_flag_set(instance=system, active=True, actor=actor, reason=reason)


@transaction.atomic
def maintenance_window_save(
    *, window: MaintenanceWindow, actor: AbstractBaseUser | None
) -> MaintenanceWindow:
    """Create or change a maintenance window; a new one records who made it."""
    try:
        window.full_clean()
    except ValidationError as invalid:
        raise ValidationFailed(" ".join(invalid.messages), fields=_fields(invalid)) from None
    if window.pk is None:
        window.created_by = actor
    if actor is not None:
        window._history_user = actor
    window.save()
    return window


@transaction.atomic
def maintenance_window_delete(*, window: MaintenanceWindow, actor: AbstractBaseUser | None) -> None:
    """Remove a window; its history keeps what it was and who removed it."""
    if actor is not None:
        window._history_user = actor
    window.delete()


def _fields(invalid: ValidationError) -> dict:
    return invalid.message_dict if hasattr(invalid, "error_dict") else {}


def system_delivery_admit(*, system: System, now: datetime) -> Gate:
    """Call before each delivery attempt to `system`: may it go now, and if not, until when?

    Closed when the system is inactive, in a maintenance window, its circuit is open (or a
    probe is in flight), or its rate limit has no free slot. A closed gate always has `until`;
    the caller then does not attempt, spends no attempt, and tries again at `until`. An open
    gate has taken one rate-limit slot, and when the circuit's cool-off is over it has made
    this attempt the probe: report its outcome with `system_delivery_outcome`.
    """
    gate = system_gate(system=system, now=now)
    if not gate.open:
        return gate
    # The slot is taken before the probe is claimed: a refused slot then never strands a
    # claimed probe, at the price of a wasted slot when another worker wins the probe.
    try:
        wait = delivery_rate_limiter().take(system=system)
    except StorageError as down:
        until = now + STORE_DOWN_WAIT
        return Gate(
            False, until, f"rate-limit store unreachable ({down}); next try at {utc_text(until)}"
        )
    if wait:
        until = now + timedelta(seconds=wait)
        return Gate(
            False, until, f"rate limit {system.delivery_rate_limit}: next slot in {wait:.1f} s"
        )
    return _circuit_probe_claim(system, now) if gate.probe else gate


@transaction.atomic
def _circuit_probe_claim(system: System, now: datetime) -> Gate:
    # Locked: of the workers that find the cool-off over at once, exactly one sends the probe.
    circuit = SystemCircuit.objects.select_for_update().get(system=system)
    if not circuit.probe_due_at(now):
        # Closed meanwhile, or another worker's probe is in flight.
        return circuit_gate(circuit=circuit, now=now)
    # Should the probe's worker die without reporting, another probe goes after one cool-off.
    circuit.state, circuit.held_until = CircuitState.HALF_OPEN, now + system.circuit_cooloff()
    _circuit_save(circuit, "probe delivery let through")
    return Gate(True, None, "circuit half-open: this delivery is the probe", probe=True)


def system_delivery_outcome(
    *, system: System, succeeded: bool, now: datetime
) -> SystemCircuit | None:
    """Call after each delivery attempt to `system`: feeds its circuit breaker.

    Pass succeeded=False only for failures a retry could fix (timeouts, refused connections,
    429, 5xx: `TransportError(retryable=True)`). A rejection of the content (4xx validation)
    shows the system is up and answering: pass succeeded=True, or do not call at all. After
    the system's threshold of consecutive failures the circuit opens for its cool-off; then
    one probe goes, and its success closes the circuit while its failure opens it again.
    """
    if succeeded:
        return _circuit_succeeded(system)
    return _circuit_failed(system, now)


def _circuit_succeeded(system: System) -> SystemCircuit | None:
    circuits = SystemCircuit.objects.filter(system=system)
    # The common case, nothing to reset, costs one read and no write lock.
    if not circuits.exclude(state=CircuitState.CLOSED, consecutive_failures=0).exists():
        return circuits.first()
    with transaction.atomic():
        circuit = circuits.select_for_update().get()
        if circuit.state == CircuitState.CLOSED:
            # Only a count is reset: no state changed, so no history row.
            circuits.update(consecutive_failures=0)
            circuit.refresh_from_db()
            return circuit
        return _circuit_reset(circuit, "closed: a delivery succeeded")


@transaction.atomic
def _circuit_failed(system: System, now: datetime) -> SystemCircuit:
    SystemCircuit.objects.get_or_create(system=system)
    # Locked, so concurrent failures from many workers each count once.
    circuit = SystemCircuit.objects.select_for_update().get(system=system)
    failures = circuit.consecutive_failures + 1
    reopen = circuit.state == CircuitState.HALF_OPEN
    if reopen or (circuit.state == CircuitState.CLOSED and failures >= system.circuit_threshold()):
        circuit.state, circuit.consecutive_failures = CircuitState.OPEN, failures
        circuit.held_until = now + system.circuit_cooloff()
        note = (
            "probe failed, open again"
            if reopen
            else f"opened after {failures} consecutive failures"
        )
        _circuit_save(circuit, f"{note} until {utc_text(circuit.held_until)}")
    else:
        # Below the threshold, or already open (an attempt started before it opened): counted
        # only; the cool-off is not stretched by attempts that were already in flight.
        SystemCircuit.objects.filter(pk=circuit.pk).update(
            consecutive_failures=F("consecutive_failures") + 1
        )
        circuit.refresh_from_db()
    return circuit


@transaction.atomic
def system_circuit_close(
    *, system: System, actor: AbstractBaseUser | None, reason: str
) -> SystemCircuit:
    """Close an open or half-open circuit by hand: held deliveries go at their next try."""
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(
            "Give a reason; it is kept in the history.",
            code="reason_required",
            fields={"reason": ["This field is required."]},
        )
    circuit = SystemCircuit.objects.select_for_update().filter(system=system).first()
    if circuit is None or circuit.state == CircuitState.CLOSED:
        raise InvalidTransition(f"The circuit of {system} is already closed; nothing was changed.")
    return _circuit_reset(circuit, f"closed by hand: {reason}", actor=actor)


def _circuit_reset(circuit: SystemCircuit, note: str, *, actor=None) -> SystemCircuit:
    circuit.state, circuit.consecutive_failures, circuit.held_until = CircuitState.CLOSED, 0, None
    return _circuit_save(circuit, note, actor=actor)


def _circuit_save(circuit: SystemCircuit, note: str, *, actor=None) -> SystemCircuit:
    # simple-history keeps the reason in a 100-character column.
    circuit._change_reason = note[:REASON_MAX_LENGTH]
    if actor is not None:
        circuit._history_user = actor
    circuit.save()
    return circuit
