"""Reads about outside systems: whether one may be called now, and if not, why and until when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import Q

from apps.systems.models import (
    CircuitState,
    ExternalReference,
    MaintenanceWindow,
    System,
    SystemCircuit,
    WindowKind,
)


@dataclass(frozen=True)
class Gate:
    """Whether a delivery to a system may be attempted now; when not, why and when to try again.

    `until` is set whenever the gate is closed. `probe` marks an open gate whose attempt would
    be the circuit's probe (the delivery services claim it; callers need not look at it).
    """

    open: bool
    until: datetime | None
    reason: str
    probe: bool = False


OPEN = Gate(open=True, until=None, reason="open")


def utc_text(moment: datetime) -> str:
    """A moment as operators read it in reasons: "2026-11-27 22:00:00 UTC"."""
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


def system_circuit(*, system: System) -> SystemCircuit | None:
    """The system's circuit breaker row; None until its first failure (a closed circuit)."""
    return SystemCircuit.objects.filter(system=system).first()


def maintenance_window_current(
    *, system: System, now: datetime
) -> tuple[MaintenanceWindow, datetime] | None:
    """The window `system` is in at `now`, and when maintenance ends; None outside windows.

    Back-to-back or overlapping windows count as one: the end is that of the last of them.
    """
    # Past one-off windows stay for the record; only weekly ones and those not over can apply.
    windows = list(
        system.maintenance_windows.filter(Q(kind=WindowKind.WEEKLY) | Q(ends_at__gt=now))
    )
    covering = [(w, end) for w in windows if (end := w.end_if_covering(now))]
    if not covering:
        return None
    window, until = max(covering, key=lambda pair: pair[1])
    # Each pass moves `until` to a strictly later end, so this stops within len(windows) passes.
    for _ in windows:
        later = [end for w in windows if (end := w.end_if_covering(until)) and end > until]
        if not later:
            break
        until = max(later)
    return window, until


def system_gate(*, system: System, now: datetime) -> Gate:
    """Whether `system` may be called at `now`: active, outside maintenance, circuit not open.

    A read with no side effects, for screens and the trace. The delivery stage calls
    `services.system_delivery_admit` instead, which also takes a rate-limit slot and claims
    the circuit's probe.
    """
    if not system.is_active:
        until = now + timedelta(seconds=settings.HUB_GATE_RECHECK_SECONDS)
        return Gate(
            False, until, f"system {system.code} is inactive; checked again at {utc_text(until)}"
        )
    if current := maintenance_window_current(system=system, now=now):
        window, until = current
        return Gate(False, until, f"maintenance window '{window.reason}' until {utc_text(until)}")
    return circuit_gate(circuit=system_circuit(system=system), now=now)


def circuit_gate(*, circuit: SystemCircuit | None, now: datetime) -> Gate:
    """What a system's circuit breaker alone says about calling it at `now`."""
    if circuit is None or circuit.state == CircuitState.CLOSED:
        return OPEN
    if circuit.probe_due_at(now):
        return Gate(True, None, "circuit cool-off over: this delivery is the probe", probe=True)
    if circuit.state == CircuitState.HALF_OPEN:
        reason = "circuit half-open: a probe delivery is in flight; "
        reason += f"next try at {utc_text(circuit.held_until)}"
    else:
        reason = (
            f"circuit open after {circuit.consecutive_failures} consecutive failures "
            f"until {utc_text(circuit.held_until)}"
        )
    return Gate(False, circuit.held_until, reason)


def external_ids_for(*, system: System, entity: str, keys: list[str]) -> dict[str, str]:
    """How `system` itself names canonical records (one query); keys it has no code for map
    to themselves, the hub's key being the shared one by default."""
    return external_ids_by_entity(system=system, wanted={entity: keys})[entity]


def external_ids_by_entity(
    *, system: System, wanted: dict[str, list[str]]
) -> dict[str, dict[str, str]]:
    """`external_ids_for` for several entities at once, still one query."""
    where = Q(pk__in=[])
    for entity, keys in wanted.items():
        where |= Q(entity=entity, canonical_key__in=keys)
    codes: dict[str, dict[str, str]] = {entity: {} for entity in wanted}
    found = ExternalReference.objects.filter(where, system=system)
    for entity, key, code in found.values_list("entity", "canonical_key", "external_id"):
        codes[entity][key] = code
    return {
        entity: {key: codes[entity].get(key, key) for key in keys}
        for entity, keys in wanted.items()
    }
