"""The decisions registry: what each reason code offers, to whom, with which form, doing what."""

import pytest

from apps.core.errors import PermissionRefused
from apps.flows.models import Flow
from apps.orders.models import Order, OrderStatus
from apps.ownership.models import BusinessOwner
from apps.quarantine.choices import ReasonCode, Role
from apps.quarantine.decisions import (
    DEFAULT_REASON,
    EVERY_REASON,
    Decision,
    DecisionRegistry,
    registry,
)
from apps.quarantine.errors import DecisionRefused, DecisionUnavailable
from apps.quarantine.forms import NoteForm
from apps.quarantine.models import QuarantineAction, QuarantineItem, QuarantineStatus
from apps.quarantine.services import quarantine_open
from tests.exchange.test_validation import receive

pytestmark = pytest.mark.django_db

DUPLICATE = {
    "code": "possible_duplicate",
    "candidate": "NW-1001",
    "candidate_name": "Northwind Traders",
    "reason": "same tax id",
    "writer": "crm",
}
HELD_FIELD = {"field": "credit_limit", "owner_system": "erp", "business_owner": "Carl Credit"}
DEAD_LETTER = {"code": "http_422", "delivery": 1, "error": "ERP said no"}


def held(reason: str, problems: list, *, owner: str = "orderdesk") -> QuarantineItem:
    return quarantine_open(
        flow=Flow.objects.get(code="record-sync"),
        reason_code=reason,
        message="held for the test",
        subject_type="company_account",
        subject_key="AC-9001",
        payload={"key": "AC-9001", "fields": {"name": "Acme"}},
        problems=problems,
        owner=BusinessOwner.objects.get(user__username=owner),
    )


@pytest.fixture
def price_item(cast) -> QuarantineItem:
    receive(cast, "order_price_mismatch.json")
    return QuarantineItem.objects.get()


def offered(item: QuarantineItem, cast, username: str) -> list[str]:
    item.refresh_from_db()
    return [d.name for d in registry.offered(item=item, user=cast.user(username))]


def decide(item: QuarantineItem, user, name: str, **data) -> str:
    """What the review screen does with a posted decision, without the HTTP around it."""
    item.refresh_from_db()
    decision = registry.decision_for(item=item, user=user, name=name)
    form = decision.form(item, {"note": "", **data})
    assert form.is_valid(), form.errors
    return decision.take(item=item, actor=user, data=form.cleaned_data)


# What each reason code offers


def test_price_mismatch_offers_its_owner_line_prices_or_the_erp_price(cast, price_item):
    assert price_item.reason_code == ReasonCode.PRICE_MISMATCH
    assert offered(price_item, cast, "pricing") == ["correct", "accept_owner_price"]
    correct = registry.decision_for(item=price_item, user=cast.user("pricing"), name="correct")
    form = correct.form(price_item)
    assert list(form.fields) == ["note", "price_1"]
    assert str(form.fields["price_1"].initial) == price_item.problems[0]["authorised_unit_price"]
    accept = registry.decision_for(
        item=price_item, user=cast.user("pricing"), name="accept_owner_price"
    )
    assert accept.label_for(price_item) == "Accept ERP price"


def test_no_authorised_price_offers_only_a_correction_when_no_price_exists(cast):
    problem = {"line_number": 1, "sku": "X-1", "code": "no_authorised_price", "owner_system": "erp"}
    item = held(ReasonCode.NO_AUTHORISED_PRICE, [{**problem, "authorised_unit_price": None}])
    item.payload = {"lines": [{"line_number": 1, "sku": "X-1", "uom": "EA", "unit_price": "2"}]}
    item.save()
    assert offered(item, cast, "orderdesk") == ["correct"]
    with pytest.raises(DecisionUnavailable):
        registry.decision_for(item=item, user=cast.user("orderdesk"), name="accept_owner_price")


def test_possible_duplicate_offers_new_company_same_company_or_discard(cast):
    item = held(ReasonCode.POSSIBLE_DUPLICATE, [DUPLICATE])
    assert offered(item, cast, "orderdesk") == ["request_replay", "same_as", "discard"]
    same_as = registry.decision_for(item=item, user=cast.user("orderdesk"), name="same_as")
    assert same_as.label_for(item) == "The same company as NW-1001"
    form = same_as.form(item)
    assert form.fields["same_as"].initial == "NW-1001" and form.fields["same_as"].disabled


@pytest.mark.parametrize(
    "reason,problem",
    [
        (ReasonCode.DELIVERY_FAILED, DEAD_LETTER),
        ("a_reason_nobody_registered", {"code": "odd"}),
    ],
)
def test_other_reasons_offer_replay_as_is_or_discard(cast, reason, problem):
    item = held(reason, [problem])
    assert offered(item, cast, "orderdesk") == ["request_replay", "discard"]


@pytest.mark.parametrize("reason", [ReasonCode.OWNERSHIP_REFUSED, "a_reason_nobody_registered"])
def test_held_fields_of_a_known_entity_offer_a_typed_correction(cast, reason):
    item = held(reason, [{**HELD_FIELD, "field": "status"}])
    assert offered(item, cast, "orderdesk") == [
        "correct",
        "accept_owner_value",
        "request_replay",
        "discard",
    ]


def test_every_reason_offers_approve_and_refuse_once_corrected(cast):
    item = held(ReasonCode.DELIVERY_FAILED, [DEAD_LETTER])
    decide(item, cast.user("orderdesk"), "request_replay")
    assert offered(item, cast, "approver") == ["approve", "refuse"]
    assert offered(item, cast, "orderdesk") == []


# Forms and their validation


@pytest.mark.parametrize("price", ["-1", "abc", ""])
def test_price_correction_refuses_a_price_that_is_not_one(cast, price_item, price):
    correct = registry.decision_for(item=price_item, user=cast.user("pricing"), name="correct")
    form = correct.form(price_item, {"price_1": price, "note": ""})
    assert not form.is_valid() and "price_1" in form.errors


@pytest.mark.parametrize("note", ["", "   "])
def test_discard_needs_a_reason(cast, note):
    item = held(ReasonCode.OWNERSHIP_REFUSED, [HELD_FIELD])
    discard = registry.decision_for(item=item, user=cast.user("orderdesk"), name="discard")
    assert "note" in discard.form(item, {"note": note}).errors


def test_same_company_keeps_the_pipelines_candidate_whatever_is_posted(cast):
    item = held(ReasonCode.POSSIBLE_DUPLICATE, [DUPLICATE])
    same_as = registry.decision_for(item=item, user=cast.user("orderdesk"), name="same_as")
    form = same_as.form(item, {"same_as": "SOMEONE-ELSE", "note": ""})
    assert form.is_valid() and form.cleaned_data["same_as"] == "NW-1001"


# Each decision does what the services did before


def test_owner_correction_then_approval_replays_the_order(cast, price_item):
    message = decide(price_item, cast.user("pricing"), "correct", price_1="0.3000")
    assert "waits for a second person" in message
    price_item.refresh_from_db()
    assert price_item.corrected_payload["lines"][0]["price_decided_by"] == "pricing"
    assert "Replay approved" in decide(price_item, cast.user("approver"), "approve", note="ok")
    assert str(Order.objects.get().lines.get().unit_price) == "0.3000"
    actions = list(QuarantineAction.objects.values_list("action", "actor__username"))
    assert actions == [("corrected", "pricing"), ("approved_replay", "approver")]


def test_accepting_the_erp_price_takes_it_for_every_line(cast, price_item):
    authorised = price_item.problems[0]["authorised_unit_price"]
    assert decide(price_item, cast.user("pricing"), "accept_owner_price").startswith("ERP prices")
    price_item.refresh_from_db()
    assert price_item.corrected_payload["lines"][0]["unit_price"] == authorised
    assert "price_decided_by" not in price_item.corrected_payload["lines"][0]


def test_refusal_sends_the_correction_back_to_its_owner(cast, price_item):
    decide(price_item, cast.user("pricing"), "accept_owner_price")
    decide(price_item, cast.user("approver"), "refuse", note="ask the account manager")
    price_item.refresh_from_db()
    assert price_item.status == QuarantineStatus.OPEN
    assert Order.objects.get().status == OrderStatus.QUARANTINED


def test_same_company_decision_records_the_candidate(cast):
    item = held(ReasonCode.POSSIBLE_DUPLICATE, [DUPLICATE])
    decide(item, cast.user("orderdesk"), "same_as")
    item.refresh_from_db()
    assert item.corrected_payload["same_as"] == "NW-1001"
    assert item.status == QuarantineStatus.AWAITING_APPROVAL


def test_replay_as_is_submits_the_payload_unchanged(cast):
    item = held(ReasonCode.OWNERSHIP_REFUSED, [HELD_FIELD])
    decide(item, cast.user("orderdesk"), "request_replay", note="the CRM is right this time")
    item.refresh_from_db()
    assert item.corrected_payload == item.payload and item.corrected_by == cast.user("orderdesk")


def test_discard_closes_the_item_with_its_reason(cast):
    item = held(ReasonCode.DELIVERY_FAILED, [DEAD_LETTER])
    decide(item, cast.user("orderdesk"), "discard", note="sent again by hand")
    item.refresh_from_db()
    assert item.status == QuarantineStatus.DISCARDED
    assert item.actions.get().note == "sent again by hand"


# Who may decide


def test_only_the_assigned_owner_may_take_the_owners_decisions(cast, price_item):
    with pytest.raises(DecisionRefused, match="Only Priya Pricing"):
        registry.decision_for(item=price_item, user=cast.user("orderdesk"), name="correct")
    assert offered(price_item, cast, "orderdesk") == []
    assert offered(price_item, cast, "admin") == ["correct", "accept_owner_price"]


def test_corrector_is_never_offered_the_approval_of_their_own_correction(cast, price_item):
    decide(price_item, cast.user("admin"), "accept_owner_price")
    assert offered(price_item, cast, "admin") == []
    with pytest.raises(DecisionRefused, match="second person"):
        registry.decision_for(item=price_item, user=cast.user("admin"), name="approve")
    assert offered(price_item, cast, "approver") == ["approve", "refuse"]


def test_approval_needs_the_approvers_right(cast, price_item):
    decide(price_item, cast.user("pricing"), "accept_owner_price")
    with pytest.raises(DecisionRefused, match="approve replays"):
        registry.decision_for(item=price_item, user=cast.user("auditor"), name="approve")
    assert issubclass(DecisionRefused, PermissionRefused)


def test_a_decision_out_of_its_status_or_reason_is_unavailable(cast, price_item):
    with pytest.raises(DecisionUnavailable, match="not open now"):
        registry.decision_for(item=price_item, user=cast.user("approver"), name="approve")
    with pytest.raises(DecisionUnavailable, match="price_mismatch"):
        registry.decision_for(item=price_item, user=cast.user("pricing"), name="same_as")


# Adding a reason code is registering its decisions


def _noted(*, item, actor, data) -> str:
    return f"noted {data['note']}"


def test_a_new_reason_code_offers_exactly_what_is_registered_for_it(cast):
    local = DecisionRegistry()
    fallback = Decision(
        name="look", label="Look", role=Role.OWNER, form_class=NoteForm, take=_noted
    )
    reassign = Decision(
        name="reassign", label="Reassign", role=Role.ADMIN, form_class=NoteForm, take=_noted
    )
    local.register(fallback, reasons=[DEFAULT_REASON])
    local.register(reassign, reasons=["stale_mapping"])
    item = held("stale_mapping", [{"code": "stale"}])
    assert [d.name for d in local.offered(item=item, user=cast.user("admin"))] == ["reassign"]
    assert local.offered(item=item, user=cast.user("orderdesk")) == []
    with pytest.raises(DecisionRefused, match="integration admin"):
        local.decision_for(item=item, user=cast.user("orderdesk"), name="reassign")
    other = held("anything_else", [{"code": "odd"}])
    assert [d.name for d in local.offered(item=other, user=cast.user("orderdesk"))] == ["look"]


def test_a_reasons_own_decision_stands_in_for_the_every_reason_one(cast):
    local = DecisionRegistry()
    everywhere = Decision(
        name="look", label="Look", role=Role.OWNER, form_class=NoteForm, take=_noted
    )
    closer = Decision(
        name="look", label="Look closer", role=Role.OWNER, form_class=NoteForm, take=_noted
    )
    local.register(everywhere, reasons=[EVERY_REASON])
    local.register(closer, reasons=["stale_mapping"])
    item = held("stale_mapping", [{"code": "stale"}])
    assert [d.label for d in local.offered(item=item, user=cast.user("orderdesk"))] == [
        "Look closer"
    ]


def test_a_decision_name_is_registered_once_per_reason():
    local = DecisionRegistry()
    look = Decision(name="look", label="Look", role=Role.OWNER, form_class=NoteForm, take=_noted)
    local.register(look, reasons=["stale_mapping"])
    with pytest.raises(RuntimeError, match="Two 'look' decisions"):
        local.register(look, reasons=["stale_mapping"])


def test_price_problems_show_in_their_own_columns_others_generically(cast, price_item):
    headings, rows = registry.problem_table(price_item)
    assert headings[:3] == ["Line", "SKU", "Sent price"]
    assert rows[0][2] == price_item.problems[0]["sent_unit_price"]
    headings, rows = registry.problem_table(held(ReasonCode.OWNERSHIP_REFUSED, [HELD_FIELD]))
    assert headings == ["Problem", "Details"] and rows[0][0] == "credit_limit"
