"""Reads for the trace view: everything that touched one business object, in time order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from apps.exchange.models import DeliveryAttempt, Envelope, TraceEvent
from apps.quarantine.models import QuarantineAction


@dataclass(frozen=True)
class TraceLine:
    at: datetime
    stage: str
    outcome: str
    message: str
    actor: str
    data: dict


def trace_for(*, subject_type: str, subject_key: str) -> list[TraceLine]:
    """Pipeline stages, delivery attempts and human actions on one object, oldest first."""
    lines = [
        TraceLine(
            e.created_at,
            e.stage,
            e.outcome,
            e.message,
            e.actor.get_username() if e.actor else "hub",
            e.data,
        )
        for e in TraceEvent.objects.filter(
            subject_type=subject_type, subject_key=subject_key
        ).select_related("actor")
    ]
    actions = QuarantineAction.objects.filter(
        item__subject_type=subject_type, item__subject_key=subject_key
    ).select_related("actor")
    lines += [
        TraceLine(
            a.created_at,
            f"human: {a.action}",
            "note",
            a.note or a.action.replace("_", " "),
            a.actor.get_username(),
            a.data,
        )
        for a in actions
    ]
    return sorted(lines, key=lambda line: line.at)


def envelopes_for(*, subject_key: str):
    """The payloads, as received, behind an object."""
    ids = TraceEvent.objects.filter(subject_key=subject_key, envelope__isnull=False).values(
        "envelope_id"
    )
    return Envelope.objects.filter(pk__in=ids).select_related("partner")


def attempts_for(*, subject_type: str, subject_key: str):
    return DeliveryAttempt.objects.filter(
        delivery__subject_type=subject_type, delivery__subject_key=subject_key
    ).select_related("delivery__target_system")
