"""Reads for the trace view: everything that touched one business object, in time order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.apps import apps

from apps.exchange.models import DeliveryAttempt, Envelope, TraceEvent
from apps.operations.replay_preview import payload_diff
from apps.ownership.registry import ENTITIES
from apps.quarantine.models import QuarantineAction, QuarantineItem


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


@dataclass(frozen=True)
class TracedDecision:
    """An item held for a person, with what was sent against what was authorised."""

    item: QuarantineItem
    changes: list


def decisions_for(*, subject_type: str, subject_key: str) -> list[TracedDecision]:
    """Each quarantine item of the object, with the values its correction changed."""
    items = QuarantineItem.objects.filter(
        subject_type=subject_type, subject_key=subject_key
    ).select_related("assigned_owner")
    return [
        TracedDecision(
            item,
            payload_diff(item.payload, item.corrected_payload)
            if item.corrected_payload is not None
            else [],
        )
        for item in items
    ]


def subject_known(*, subject_type: str, subject_key: str) -> bool:
    """Whether the hub knows the object: its canonical record, or anything held about it."""
    spec = ENTITIES.get(subject_type)
    if spec is not None and len(spec.key) == 1:
        name = spec.key[0]
        lookup = f"{name}__{spec.refs[name][1]}" if name in spec.refs else name
        if apps.get_model(spec.model).objects.filter(**{lookup: subject_key}).exists():
            return True
    return QuarantineItem.objects.filter(
        subject_type=subject_type, subject_key=subject_key
    ).exists()
