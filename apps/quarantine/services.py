"""The human work queue: opening items, corrections and the second person's approval."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from apps.core.errors import InvalidTransition, PermissionRefused, ValidationFailed
from apps.quarantine.models import QuarantineAction, QuarantineItem, QuarantineStatus


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
    )


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
    *, item: QuarantineItem, corrected_payload: dict, actor, note: str = ""
) -> QuarantineItem:
    """The owner's correction; the replay then waits for a second person."""
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
    QuarantineAction.objects.create(
        item=item,
        actor=actor,
        action="corrected",
        note=note,
        data={"corrected_payload": corrected_payload},
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
    QuarantineAction.objects.create(item=item, actor=actor, action="approved_replay", note=note)
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
    *, item: QuarantineItem, prices: dict[int, str], actor, note: str = ""
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
        item=item, corrected_payload=document, actor=actor, note=note
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
        item=item, prices=prices, actor=actor, note=note or "Accepted the ERP-authorised prices."
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
    )
