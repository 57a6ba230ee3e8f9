"""The human work queue: opening items, corrections and the second person's approval."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection, transaction
from simple_history.utils import bulk_create_with_history

from apps.core.errors import InvalidTransition, PermissionRefused, ValidationFailed
from apps.core.insert_copy import insert_with_history_by_copy
from apps.quarantine.models import (
    QuarantineAction,
    QuarantineCorrection,
    QuarantineItem,
    QuarantineStatus,
    SavedQueueView,
)
from apps.quarantine.reasons import cause_of


def quarantine_open(
    *,
    flow,
    reason_code: str,
    message: str,
    subject_type: str,
    subject_key: str,
    payload: dict,
    problems: list,
    owner,
) -> QuarantineItem:
    """Open an item for a record the pipeline would not apply, assigned to its owner."""
    return QuarantineItem.objects.create(
        flow=flow,
        reason_code=reason_code,
        message=message,
        subject_type=subject_type,
        subject_key=subject_key,
        payload=payload,
        problems=problems,
        assigned_owner=owner,
        cause=cause_of(reason_code=reason_code, problems=problems),
    )


def quarantine_open_records(*, flow, owner, items: list[dict]) -> int:
    """Open items for many records of a batch page in two queries (read, insert with history).

    `items` are dicts of reason_code, message, subject_type, subject_key, payload, problems.
    A record that already waits in an open item for the same reason opens no second one, so
    a nightly run does not pile up copies of a record its owner has not fixed yet.
    """
    waiting = set(
        QuarantineItem.objects.filter(
            flow=flow,
            status=QuarantineStatus.OPEN,
            subject_key__in={item["subject_key"] for item in items},
        ).values_list("subject_key", "reason_code")
    )
    new = [
        QuarantineItem(
            flow=flow,
            assigned_owner=owner,
            cause=cause_of(reason_code=item["reason_code"], problems=item["problems"]),
            **item,
        )
        for item in items
        if (item["subject_key"], item["reason_code"]) not in waiting
    ]
    bulk_create_with_history(new, QuarantineItem, default_change_reason="opened by a batch sync")
    return len(new)


def _move(item: QuarantineItem, *, to: str, allowed_from: list[str], **changes) -> QuarantineItem:
    locked = QuarantineItem.objects.select_for_update().get(pk=item.pk)
    if locked.status not in allowed_from:
        raise InvalidTransition(
            f"Quarantine item {item.pk} is {locked.get_status_display().lower()}; "
            f"that action needs it {' or '.join(allowed_from)}."
        )
    locked.status = to
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.save()
    return locked


@transaction.atomic
def quarantine_submit_correction(
    *,
    item: QuarantineItem,
    corrected_payload: dict,
    actor,
    note: str = "",
    decision: str = "corrected",
) -> QuarantineItem:
    """The owner's correction, kept as a new version; the replay then waits for a second person."""
    if not item.is_owned_by(actor):
        raise PermissionRefused(
            f"Only {item.assigned_owner} (the owner of this decision) may correct this item."
        )
    item = _move(
        item,
        to=QuarantineStatus.AWAITING_APPROVAL,
        allowed_from=[QuarantineStatus.OPEN],
        corrected_payload=corrected_payload,
        corrected_by=actor,
        approved_by=None,
    )
    version = QuarantineCorrection.objects.filter(item=item).count() + 1
    QuarantineCorrection.objects.create(
        item=item,
        version=version,
        payload=corrected_payload,
        actor=actor,
        decision=decision,
        note=note,
    )
    QuarantineAction.objects.create(
        item=item,
        actor=actor,
        action="corrected",
        note=note,
        data={"decision": decision, "version": version, "corrected_payload": corrected_payload},
    )
    return item


def quarantine_record_approval(*, item: QuarantineItem, actor, note: str = "") -> QuarantineItem:
    """Record a second person's approval of the replay; the caller runs the replay."""
    if item.corrected_by_id == actor.pk:
        raise PermissionRefused("A replay needs a second person: you made this correction.")
    item = _move(
        item,
        to=QuarantineStatus.RESOLVED,
        allowed_from=[QuarantineStatus.AWAITING_APPROVAL],
        approved_by=actor,
    )
    # What goes back through the flow, as the second person approved it.
    sent = item.corrected_payload if item.corrected_payload is not None else item.payload
    QuarantineAction.objects.create(
        item=item, actor=actor, action="approved_replay", note=note, data={"sent": sent}
    )
    return item


@transaction.atomic
def quarantine_refuse_replay(*, item: QuarantineItem, actor, note: str) -> QuarantineItem:
    """Send a correction back to its owner instead of replaying it."""
    if item.corrected_by_id == actor.pk:
        raise PermissionRefused("A correction is refused by a second person, not its author.")
    item = _move(item, to=QuarantineStatus.OPEN, allowed_from=[QuarantineStatus.AWAITING_APPROVAL])
    QuarantineAction.objects.create(item=item, actor=actor, action="refused_replay", note=note)
    return item


def quarantine_reopen(*, item: QuarantineItem, problems: list, message: str) -> QuarantineItem:
    """A replay failed validation again: the item goes back to its owner with the new problems."""
    return _move(
        item,
        to=QuarantineStatus.OPEN,
        allowed_from=[QuarantineStatus.RESOLVED],
        problems=problems,
        message=message,
    )


def quarantine_correct_order_prices(
    *,
    item: QuarantineItem,
    prices: dict[int, str],
    actor,
    note: str = "",
    decision: str = "corrected",
) -> QuarantineItem:
    """The owner's price decision per line; a price other than the ERP's is marked as theirs."""
    document = {**item.payload, "lines": [dict(line) for line in item.payload["lines"]]}
    authorised = {p["line_number"]: p.get("authorised_unit_price") for p in item.problems}
    for line in document["lines"]:
        number = line["line_number"]
        if number not in prices:
            continue
        line["unit_price"] = str(prices[number])
        line.pop("price_decided_by", None)
        if authorised.get(number) is None or Decimal(prices[number]) != Decimal(authorised[number]):
            line["price_decided_by"] = actor.get_username()
    return quarantine_submit_correction(
        item=item, corrected_payload=document, actor=actor, note=note, decision=decision
    )


def quarantine_accept_owner_prices(
    *, item: QuarantineItem, actor, note: str = ""
) -> QuarantineItem:
    """Take the authorising system's price for every mismatched line."""
    prices = {
        p["line_number"]: p["authorised_unit_price"]
        for p in item.problems
        if p.get("authorised_unit_price") is not None
    }
    return quarantine_correct_order_prices(
        item=item,
        prices=prices,
        actor=actor,
        note=note or "Accepted the ERP-authorised prices.",
        decision="accepted_owner_value",
    )


@transaction.atomic
def quarantine_discard(*, item: QuarantineItem, actor, note: str) -> QuarantineItem:
    """The owner closes an item without replay: the held write is dropped, with the reason."""
    if not item.is_owned_by(actor):
        raise PermissionRefused(f"Only {item.assigned_owner} may discard this item.")
    if not note.strip():
        raise ValidationFailed("Say why the item is discarded; the sender's team will read it.")
    item = _move(item, to=QuarantineStatus.DISCARDED, allowed_from=[QuarantineStatus.OPEN])
    QuarantineAction.objects.create(item=item, actor=actor, action="discarded", note=note)
    return item


def quarantine_decide_same_company(*, item: QuarantineItem, actor, note: str = ""):
    """The owner's decision that a possible duplicate is the candidate company itself."""
    candidate = item.problems[0]["candidate"]
    corrected = {**item.payload, "same_as": candidate}
    return quarantine_submit_correction(
        item=item,
        corrected_payload=corrected,
        actor=actor,
        note=note or f"Same company as {candidate}.",
        decision="same_as",
    )


def quarantine_correct_fields(
    *, item: QuarantineItem, values: dict, actor, note: str = ""
) -> QuarantineItem:
    """The owner's values for the held fields of a record; the payload as sent stays as is."""
    held = {p["field"] for p in item.problems if p.get("field")}
    unknown = set(values) - held
    if unknown:
        raise ValidationFailed(f"Only held fields may be corrected, not {', '.join(unknown)}.")
    fields = {**item.payload.get("fields", {}), **values}
    return quarantine_submit_correction(
        item=item, corrected_payload={**item.payload, "fields": fields}, actor=actor, note=note
    )


def quarantine_accept_owner_fields(*, item: QuarantineItem, actor, note: str = ""):
    """The owning system's values stand: the held fields leave the replayed document."""
    held = {p["field"] for p in item.problems if p.get("field")}
    fields = {k: v for k, v in item.payload.get("fields", {}).items() if k not in held}
    return quarantine_submit_correction(
        item=item,
        corrected_payload={**item.payload, "fields": fields},
        actor=actor,
        note=note or "The owning system's values stand.",
        decision="accepted_owner_value",
    )


@transaction.atomic
def quarantine_assign(*, item: QuarantineItem, assignee, actor, note: str = "") -> QuarantineItem:
    """Give the item to a person of its owner's team (or take it back: assignee None)."""
    if not item.is_owned_by(actor):
        raise PermissionRefused(
            f"Only {item.assigned_owner.name}'s team ({item.assigned_owner.area}) or an "
            "integration admin may assign this item."
        )
    if assignee is not None and not item.is_owned_by(assignee):
        raise ValidationFailed(
            f"{assignee.get_username()} is not in {item.assigned_owner.area}; "
            "assign the item to someone who may act on it."
        )
    locked = QuarantineItem.objects.select_for_update().get(pk=item.pk)
    before = locked.assignee
    locked.assignee = assignee
    locked.save(update_fields=["assignee", "updated_at"])
    QuarantineAction.objects.create(
        item=locked,
        actor=actor,
        action="assigned" if assignee else "unassigned",
        note=note,
        data={
            "from": before.get_username() if before else None,
            "to": assignee.get_username() if assignee else None,
        },
    )
    return locked


def quarantine_comment(*, item: QuarantineItem, actor, note: str) -> QuarantineAction:
    """A note on the item's history; anyone who may see the item may comment."""
    if not note.strip():
        raise ValidationFailed("A comment needs some text.")
    return QuarantineAction.objects.create(item=item, actor=actor, action="commented", note=note)


def queue_view_save(*, user, name: str, query: str) -> SavedQueueView:
    """Save (or replace) one of the user's named queue filters."""
    name = name.strip()
    if not name:
        raise ValidationFailed("Give the view a name.")
    view, _ = SavedQueueView.objects.update_or_create(
        user=user, name=name[:60], defaults={"query": query.lstrip("?")[:500]}
    )
    return view


def queue_view_delete(*, user, name: str) -> None:
    SavedQueueView.objects.filter(user=user, name=name).delete()


def quarantine_open_bulk(*, items: list[dict]) -> list[QuarantineItem]:
    """Open many items at once (keyword sets of `quarantine_open`), with their history rows."""
    rows = [
        QuarantineItem(
            flow=item["flow"],
            reason_code=item["reason_code"],
            message=item["message"],
            subject_type=item["subject_type"],
            subject_key=item["subject_key"],
            payload=item["payload"],
            problems=item["problems"],
            assigned_owner=item["owner"],
            cause=cause_of(reason_code=item["reason_code"], problems=item["problems"]),
        )
        for item in items
    ]
    if connection.vendor == "postgresql":
        return insert_with_history_by_copy(rows)
    return bulk_create_with_history(rows, QuarantineItem, batch_size=500)


@transaction.atomic
def quarantine_close_agreed(*, item_ids: list[int], note: str) -> int:
    """Close items whose systems now agree (nothing left to decide); returns how many closed."""
    closed = 0
    waiting = [QuarantineStatus.OPEN, QuarantineStatus.AWAITING_APPROVAL]
    for item in QuarantineItem.objects.select_for_update().filter(
        pk__in=item_ids, status__in=waiting
    ):
        item.status = QuarantineStatus.RESOLVED
        item._change_reason = note
        item.save(update_fields=["status", "updated_at"])
        closed += 1
    return closed
