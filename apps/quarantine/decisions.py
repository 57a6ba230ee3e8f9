"""The decisions a person can take on a quarantined item, registered per reason code.

A reason code maps to the decisions it offers; each decision says who may take it, on which
status, with which typed form, and which service it calls. The review screen renders what
the registry offers and never branches on decision names, reason codes or entity types.
Adding a reason code means registering its decisions here (or, for decisions that need the
pipeline, from an app above exchange at start-up: see apps/operations/decisions.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from apps.quarantine.choices import ReasonCode, Role
from apps.quarantine.errors import DecisionRefused, DecisionUnavailable
from apps.quarantine.forms import (
    DiscardForm,
    FieldCorrectionForm,
    NoteForm,
    PriceCorrectionForm,
    SameCompanyForm,
    held_field_problems,
)
from apps.quarantine.models import QuarantineItem, QuarantineStatus, team_areas
from apps.quarantine.services import (
    quarantine_accept_owner_fields,
    quarantine_accept_owner_prices,
    quarantine_correct_fields,
    quarantine_correct_order_prices,
    quarantine_decide_same_company,
    quarantine_discard,
    quarantine_submit_correction,
)

# Decisions registered here are offered on every item, whatever its reason code.
EVERY_REASON = "*"
# Decisions registered here are offered on items whose reason code registered none.
DEFAULT_REASON = "default"


def _always(item: QuarantineItem) -> bool:
    return True


@dataclass(frozen=True)
class Decision:
    """One decision: its name (the button's value), label, who takes it and what it calls."""

    name: str
    label: str | Callable[[QuarantineItem], str]
    role: Role
    form_class: type[NoteForm]
    # take(item=, actor=, data=form.cleaned_data) calls the services; returns what to tell.
    take: Callable[..., str]
    on_status: QuarantineStatus = QuarantineStatus.OPEN
    # Whether this item's content allows the decision (e.g. a price exists to accept).
    applies: Callable[[QuarantineItem], bool] = _always
    # One decision for many items (a group, a selection): the form asks nothing item-specific.
    groupable: bool = False

    def label_for(self, item: QuarantineItem) -> str:
        return self.label(item) if callable(self.label) else self.label

    def form(self, item: QuarantineItem, data=None) -> NoteForm:
        return self.form_class(data, item=item)


def _refusal(role: Role, item: QuarantineItem, user) -> str:
    """Why `user` may not act in `role` on `item`; empty when they may."""
    if role == Role.OWNER and not item.is_owned_by(user):
        owner = item.assigned_owner
        yours = ", ".join(sorted(team_areas(user))) or "no business owner's team"
        return (
            f"Only {owner.name} (the owner of this decision) may do that. The {owner.area} "
            f"team or an integration admin decides it; you are in {yours}, so you see this "
            "item read-only."
        )
    if role == Role.APPROVER and not user.has_perm("quarantine.approve_replay"):
        return (
            "Only a person allowed to approve replays (the approvers group) may do that; "
            "your login does not hold that permission."
        )
    if role == Role.APPROVER and item.corrected_by_id == user.pk:
        return (
            "A replay needs a second person: you made this correction, so someone else "
            "with the right to approve replays must approve or refuse it."
        )
    if role == Role.ADMIN and not user.is_superuser:
        return "Only an integration admin may do that."
    return ""


class DecisionRegistry:
    """Reason code → the decisions it offers, in registration order."""

    def __init__(self) -> None:
        self._by_reason: dict[str, dict[str, Decision]] = {}
        self._columns: dict[str, list[tuple[str, str]]] = {}

    def register(self, decision: Decision, *, reasons: Iterable[str]) -> Decision:
        """Offer `decision` on items with any of `reasons` (or EVERY_REASON, DEFAULT_REASON)."""
        for reason in reasons:
            offered = self._by_reason.setdefault(reason, {})
            if decision.name in offered:
                raise RuntimeError(f"Two {decision.name!r} decisions for reason {reason!r}.")
            offered[decision.name] = decision
        return decision

    def register_columns(self, columns: list[tuple[str, str]], *, reasons: Iterable[str]) -> None:
        """Show these problem keys as table columns (key, heading) for items with `reasons`."""
        for reason in reasons:
            self._columns[reason] = columns

    def for_reason(self, reason_code: str) -> list[Decision]:
        """Every decision a reason code offers, whoever asks and whatever the item's status."""
        specific = self._by_reason.get(reason_code) or self._by_reason.get(DEFAULT_REASON, {})
        # A reason's own decision of the same name stands in for the every-reason one.
        every = self._by_reason.get(EVERY_REASON, {})
        return [*specific.values(), *(d for name, d in every.items() if name not in specific)]

    def offered(self, *, item: QuarantineItem, user) -> list[Decision]:
        """The decisions `user` may take on `item` now."""
        return [
            decision
            for decision in self.for_reason(item.reason_code)
            if decision.on_status == item.status
            and decision.applies(item)
            and not _refusal(decision.role, item, user)
        ]

    def refused(self, *, item: QuarantineItem, user) -> list[tuple[str, str]]:
        """The decisions open on `item` now that `user` may not take, each with why not."""
        return [
            (decision.label_for(item), why)
            for decision in self.for_reason(item.reason_code)
            if decision.on_status == item.status
            and decision.applies(item)
            and (why := _refusal(decision.role, item, user))
        ]

    def decision_for(self, *, item: QuarantineItem, user, name: str) -> Decision:
        """The named decision, or the reason `user` may not take it on `item` now."""
        decision = next((d for d in self.for_reason(item.reason_code) if d.name == name), None)
        if decision is None or not decision.applies(item):
            raise DecisionUnavailable(f"{name!r} is not a decision on {item.reason_code} items.")
        refusal = _refusal(decision.role, item, user)
        if refusal:
            raise DecisionRefused(f"{decision.label_for(item)}: {refusal}")
        if decision.on_status != item.status:
            raise DecisionUnavailable(
                f"{decision.label_for(item)}: the item is "
                f"{item.get_status_display().lower()}; that decision is not open now."
            )
        return decision

    def problem_table(self, item: QuarantineItem) -> tuple[list[str], list[list]]:
        """Headings and rows of the item's problems, in its reason code's columns if it has any."""
        columns = self._columns.get(item.reason_code)
        if not columns:
            rows = [[p.get("field") or p.get("code"), _details(p)] for p in item.problems]
            return ["Problem", "Details"], rows
        rows = [[problem.get(key) for key, _ in columns] for problem in item.problems]
        return [heading for _, heading in columns], rows


def _details(problem: dict) -> str:
    return "; ".join(f"{key}: {value}" for key, value in problem.items())


registry = DecisionRegistry()


# The owner's decisions, on what quarantine's own services know how to correct.

PRICE_REASONS = [ReasonCode.PRICE_MISMATCH, ReasonCode.NO_AUTHORISED_PRICE]
RECORD_REASONS = [ReasonCode.OWNERSHIP_REFUSED, ReasonCode.DELIVERY_FAILED, DEFAULT_REASON]
AWAITS_APPROVAL = "now waits for a second person's approval."


def _correct_prices(*, item: QuarantineItem, actor, data: dict) -> str:
    quarantine_correct_order_prices(
        item=item, prices=data["prices"], actor=actor, note=data["note"]
    )
    return f"Correction saved; the replay {AWAITS_APPROVAL}"


def _accept_owner_prices(*, item: QuarantineItem, actor, data: dict) -> str:
    quarantine_accept_owner_prices(item=item, actor=actor, note=data["note"])
    return f"{_price_owners(item)} prices accepted; the replay {AWAITS_APPROVAL}"


def _price_owners(item: QuarantineItem) -> str:
    owners = {p["owner_system"] for p in item.problems if p.get("authorised_unit_price")}
    return "/".join(sorted(owners)).upper() or "Owner"


def _has_owner_price(item: QuarantineItem) -> bool:
    return any(p.get("authorised_unit_price") is not None for p in item.problems)


def _request_replay(*, item: QuarantineItem, actor, data: dict) -> str:
    quarantine_submit_correction(
        item=item, corrected_payload=item.payload, actor=actor, note=data["note"]
    )
    return f"Replay as is requested; it {AWAITS_APPROVAL}"


def _new_company(*, item: QuarantineItem, actor, data: dict) -> str:
    _request_replay(item=item, actor=actor, data=data)
    return f"Creating a new company {AWAITS_APPROVAL}"


def _same_company(*, item: QuarantineItem, actor, data: dict) -> str:
    quarantine_decide_same_company(item=item, actor=actor, note=data["note"])
    return f"The mapping to {data['same_as']} {AWAITS_APPROVAL}"


def _discard(*, item: QuarantineItem, actor, data: dict) -> str:
    quarantine_discard(item=item, actor=actor, note=data["note"])
    return "Item discarded; nothing is replayed."


def _correct_fields(*, item: QuarantineItem, actor, data: dict) -> str:
    quarantine_correct_fields(item=item, values=data["values"], actor=actor, note=data["note"])
    return f"Correction saved; the replay {AWAITS_APPROVAL}"


def _accept_owner_fields(*, item: QuarantineItem, actor, data: dict) -> str:
    quarantine_accept_owner_fields(item=item, actor=actor, note=data["note"])
    return f"The owning system's values stand; the replay {AWAITS_APPROVAL}"


def _has_held_fields(item: QuarantineItem) -> bool:
    return bool(held_field_problems(item))


registry.register_columns(
    [
        ("line_number", "Line"),
        ("sku", "SKU"),
        ("sent_unit_price", "Sent price"),
        ("authorised_unit_price", "Authorised price"),
        ("owner_system", "Owner system"),
    ],
    reasons=PRICE_REASONS,
)
registry.register(
    Decision(
        name="correct",
        label="Save correction and request replay",
        role=Role.OWNER,
        form_class=PriceCorrectionForm,
        take=_correct_prices,
    ),
    reasons=PRICE_REASONS,
)
registry.register(
    Decision(
        name="accept_owner_price",
        label=lambda item: f"Accept {_price_owners(item)} price",
        role=Role.OWNER,
        form_class=NoteForm,
        take=_accept_owner_prices,
        applies=_has_owner_price,
        groupable=True,
    ),
    reasons=PRICE_REASONS,
)
registry.register(
    Decision(
        name="correct",
        label="Save correction and request replay",
        role=Role.OWNER,
        form_class=FieldCorrectionForm,
        take=_correct_fields,
        applies=_has_held_fields,
        groupable=True,
    ),
    reasons=RECORD_REASONS,
)
registry.register(
    Decision(
        name="accept_owner_value",
        label="Accept the owning system's value",
        role=Role.OWNER,
        form_class=NoteForm,
        take=_accept_owner_fields,
        applies=_has_held_fields,
        groupable=True,
    ),
    reasons=RECORD_REASONS,
)
registry.register(
    Decision(
        name="request_replay",
        label="Request replay as is",
        role=Role.OWNER,
        form_class=NoteForm,
        take=_request_replay,
        groupable=True,
    ),
    reasons=RECORD_REASONS,
)
registry.register(
    Decision(
        name="request_replay",
        label="A new company: request replay",
        role=Role.OWNER,
        form_class=NoteForm,
        take=_new_company,
        groupable=True,
    ),
    reasons=[ReasonCode.POSSIBLE_DUPLICATE],
)
registry.register(
    Decision(
        name="same_as",
        label=lambda item: f"The same company as {item.problems[0]['candidate']}",
        role=Role.OWNER,
        form_class=SameCompanyForm,
        take=_same_company,
        groupable=True,
    ),
    reasons=[ReasonCode.POSSIBLE_DUPLICATE],
)
registry.register(
    Decision(
        name="discard",
        label="Discard: close without replay",
        role=Role.OWNER,
        form_class=DiscardForm,
        take=_discard,
        groupable=True,
    ),
    reasons=[*RECORD_REASONS, ReasonCode.POSSIBLE_DUPLICATE],
)
