"""Decisions over many items at once (a cause group, a selection), and the queue's bulk menu.

Each item is decided on its own, through the same registry and services as on its review
screen, so one refusal (another team's item, a settled one) never stops the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from apps.core.errors import HubError, ValidationFailed
from apps.quarantine.decisions import Decision, registry
from apps.quarantine.forms import NoteForm
from apps.quarantine.models import QuarantineItem
from apps.quarantine.services import quarantine_assign

ASSIGN_ME = "assign_me"
UNASSIGN = "unassign"
ASSIGNING = {ASSIGN_ME: "Assign to me", UNASSIGN: "Unassign"}


@dataclass
class Outcome:
    """What happened to each item of a many-item decision, for the page's message."""

    done: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    def summary(self, label: str) -> str:
        text = f"{label}: {len(self.done)} item(s) done"
        if self.refused:
            text += f"; {len(self.refused)} not: " + " ".join(self.refused)
        return text + "."


def group_decisions(items: list[QuarantineItem], user) -> list[Decision]:
    """Decisions every one of `items` offers `user` now and that ask nothing item-specific."""
    if not items:
        return []
    offered = [
        {d.name: d for d in registry.offered(item=item, user=user) if d.groupable} for item in items
    ]
    common = set.intersection(*(set(names) for names in offered))
    return [d for name, d in offered[0].items() if name in common]


def bulk_choices(items: list[QuarantineItem]) -> list[tuple[str, str]]:
    """The bulk menu over a page of items: assigning, then each groupable decision once."""
    choices = dict(ASSIGNING)
    for item in items:
        for decision in registry.for_reason(item.reason_code):
            if decision.groupable and decision.name not in choices:
                # A label naming one item's details ("Accept ERP price") reads fine over many.
                choices[decision.name] = decision.label_for(item)
    return list(choices.items())


def decide_many(*, items: list[QuarantineItem], user, name: str, data: dict) -> Outcome:
    """Take decision `name` on each item with the same form data; refusals are collected."""
    outcome = Outcome()
    for item in items:
        label = f"{item.subject_type} {item.subject_key}"
        try:
            with transaction.atomic():
                _decide_one(item, user, name, data)
        except HubError as exc:
            outcome.refused.append(f"{label}: {exc.message}")
        else:
            outcome.done.append(label)
    return outcome


def _decide_one(item: QuarantineItem, user, name: str, data: dict) -> None:
    if name == ASSIGN_ME:
        quarantine_assign(item=item, assignee=user, actor=user, note=data.get("note", ""))
        return
    if name == UNASSIGN:
        quarantine_assign(item=item, assignee=None, actor=user, note=data.get("note", ""))
        return
    decision = registry.decision_for(item=item, user=user, name=name)
    if not decision.groupable:
        raise ValidationFailed(f"{decision.label_for(item)} is decided one item at a time.")
    decision.take(item=item, actor=user, data=data)


def bulk_form(name: str, item: QuarantineItem, data) -> NoteForm | None:
    """The decision's own form, bound to what the bulk bar posted; None for assigning."""
    if name in ASSIGNING:
        return None
    decision = next((d for d in registry.for_reason(item.reason_code) if d.name == name), None)
    return decision.form(item, data) if decision else None
