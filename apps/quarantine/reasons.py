"""What each reason code means to a person: plain words, and the cause items are grouped by.

A flow that opens items with a new reason code registers it here (from its app's ready()),
so the queue can say what went wrong and group the items that one fix resolves, with no
change to the queue itself. An unregistered code still works: its words come from the code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from apps.quarantine.choices import ReasonCode

CAUSE_LENGTH = 300


def _default_cause(problem: dict) -> str:
    # The most specific thing a problem names: a SKU, a field, a candidate, its code.
    for key in ("sku", "field", "candidate", "error", "code"):
        if problem.get(key):
            return f"{key} {problem[key]}"
    return "the record as a whole"


@dataclass(frozen=True)
class ReasonSpec:
    """One reason code: what it says in plain words, and what one fix of it resolves."""

    code: str
    plain: str
    # cause(problem) -> text; items whose problems share the same causes form one group.
    cause: Callable[[dict], str] = _default_cause


_REASONS: dict[str, ReasonSpec] = {}


def reason_register(spec: ReasonSpec) -> ReasonSpec:
    """Add or replace a reason code's meaning (ready() may run twice in some test runners)."""
    _REASONS[spec.code] = spec
    return spec


def reason_spec(code: str) -> ReasonSpec:
    """The registered meaning of `code`, or one made from the code's own words."""
    return _REASONS.get(code) or ReasonSpec(code=code, plain=code.replace("_", " ").capitalize())


def reason_choices(*, extra: set[str] = frozenset()) -> list[tuple[str, str]]:
    """Registered reason codes, and any `extra` ones items carry, in their plain words."""
    codes = set(_REASONS) | set(extra)
    return sorted(((code, reason_spec(code).plain) for code in codes), key=lambda c: c[1])


def cause_of(*, reason_code: str, problems: list) -> str:
    """The group key of an item: its reason and the distinct causes of its problems."""
    spec = reason_spec(reason_code)
    causes = sorted({spec.cause(p) for p in problems if isinstance(p, dict)})
    return f"{spec.plain}: {'; '.join(causes) or 'no details'}"[:CAUSE_LENGTH]


def _price_cause(problem: dict) -> str:
    authorised = problem.get("authorised_unit_price")
    owner = (problem.get("owner_system") or "owner").upper()
    if authorised is None:
        return f"{problem.get('sku')} has no {owner}-authorised price"
    return (
        f"{problem.get('sku')} sent at {problem.get('sent_unit_price')}, {owner} says {authorised}"
    )


for _spec in (
    ReasonSpec(ReasonCode.PRICE_MISMATCH, "Price differs from the authorised price", _price_cause),
    ReasonSpec(ReasonCode.NO_AUTHORISED_PRICE, "No authorised price", _price_cause),
    ReasonSpec(
        ReasonCode.OWNERSHIP_REFUSED,
        "Written by a system that does not own the field",
        lambda p: f"{p.get('field')} (owned by {p.get('owner_system')})",
    ),
    ReasonSpec(
        ReasonCode.POSSIBLE_DUPLICATE,
        "Possible duplicate company",
        lambda p: f"looks like {p.get('candidate')} ({p.get('reason')})",
    ),
    ReasonSpec(
        ReasonCode.DELIVERY_FAILED,
        "Accepted by the hub, rejected by the target: retry or repair?",
        lambda p: str(p.get("error") or p.get("code")),
    ),
):
    reason_register(_spec)
