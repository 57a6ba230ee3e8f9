"""Replays of held record writes, once the business owner decided and a second person approved."""

from __future__ import annotations

from apps.core.errors import ValidationFailed
from apps.exchange.handlers.record_sync.write import (
    WritePlan,
    record_plan,
    record_write,
    resolve_value,
)
from apps.exchange.models import TraceOutcome
from apps.exchange.stages.trace import trace_record
from apps.quarantine.choices import ReasonCode
from apps.quarantine.models import QuarantineItem
from apps.systems.models import ExternalReference, System


def record_replay(*, item: QuarantineItem, actor) -> None:
    """Apply what the owner decided: held fields on their authority, or a duplicate resolved."""
    document = item.corrected_payload or item.payload
    writer = System.objects.get(code=item.problems[0]["writer"])
    if item.reason_code == ReasonCode.POSSIBLE_DUPLICATE:
        _resolve_duplicate(item, document, writer, actor)
        return
    plan = record_plan(entity=item.subject_type, document=document, writer=writer)
    held = {problem["field"] for problem in item.problems}
    _authorise(plan, document, held)
    record_write(plan=plan, actor=actor)
    trace_record(
        subject_type=item.subject_type,
        subject_key=item.subject_key,
        stage="replay",
        actor=actor,
        message=f"Applied {', '.join(sorted(plan.apply))} on the authority "
        f"of {item.assigned_owner.name}; approved by {actor.get_username()}.",
        data={"document": document},
    )


def _authorise(plan: WritePlan, document: dict, held: set[str]) -> None:
    """The owner's decision stands in for the matrix, for the held fields only."""
    from_plan = {refused["field"] for refused in plan.quarantined + plan.ignored}
    for name in held & from_plan:
        plan.apply[name] = _typed_value(plan, name, document["fields"][name])
    plan.quarantined, plan.ignored = [], []


def _typed_value(plan: WritePlan, name: str, value):
    return resolve_value(plan.spec, name, value, plan.writer)


def _resolve_duplicate(item: QuarantineItem, document: dict, writer, actor) -> None:
    same_as = document.get("same_as")
    if same_as:
        external_id = document.get("external_id") or item.subject_key
        ExternalReference.objects.update_or_create(
            system=writer,
            entity=item.subject_type,
            external_id=external_id,
            defaults={"canonical_key": same_as},
        )
        message = f"Same record as {same_as}: {writer.code}'s {external_id} now resolves to it."
    else:
        plan = record_plan(entity=item.subject_type, document=document, writer=writer)
        if not record_write(plan=plan, actor=actor):
            raise ValidationFailed(f"{writer.code} may not create {item.subject_type} records.")
        message = f"Created {item.subject_key} as a new record, as its owner decided."
    trace_record(
        subject_type=item.subject_type,
        subject_key=item.subject_key,
        stage="replay",
        actor=actor,
        outcome=TraceOutcome.OK,
        message=message,
    )
