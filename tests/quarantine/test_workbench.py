"""The work queue's rules: causes, business effect, views, teams, assignment, versioned fixes."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.accounts.models import CompanyAccount
from apps.core.errors import PermissionRefused, ValidationFailed
from apps.exchange.services import replay_approve
from apps.flows.models import Flow
from apps.quarantine.choices import ReasonCode
from apps.quarantine.decisions import registry
from apps.quarantine.errors import DecisionRefused
from apps.quarantine.forms import FieldCorrectionForm
from apps.quarantine.models import QuarantineAction, QuarantineItem, QuarantineStatus
from apps.quarantine.reasons import ReasonSpec, cause_of, reason_register, reason_spec
from apps.quarantine.selectors import QueueQuery, effect_of, queue_items, queue_rows
from apps.quarantine.services import (
    quarantine_accept_owner_prices,
    quarantine_assign,
    quarantine_comment,
    quarantine_correct_order_prices,
    quarantine_refuse_replay,
)
from tests.exchange.test_record_replay import held_credit_limit, world  # noqa: F401
from tests.exchange.test_validation import receive
from tests.quarantine.test_decisions import DUPLICATE, held

pytestmark = pytest.mark.django_db


def held_orders(cast, count: int) -> list[QuarantineItem]:
    for number in range(count):
        receive(cast, "order_price_mismatch.json", key=f"k-{number}", po_number=f"PO-{number}")
    return list(QuarantineItem.objects.order_by("pk"))


def names(items) -> list[str]:
    return sorted(item.subject_key for item in items)


# Causes and business effect


def test_orders_held_for_the_same_stale_price_share_one_cause(cast):
    items = held_orders(cast, 3)
    assert len({item.cause for item in items}) == 1
    assert "ACME-BOLT-M8 sent at" in items[0].cause and "ERP says" in items[0].cause
    other = held(ReasonCode.POSSIBLE_DUPLICATE, [DUPLICATE])
    assert other.cause != items[0].cause and "looks like NW-1001" in other.cause


def test_a_reason_code_registered_later_gives_its_own_words_and_cause():
    spec = reason_register(
        ReasonSpec("unknown_sku_qwb", "SKU not in the catalog", lambda p: f"SKU {p['sku']}")
    )
    assert reason_spec("unknown_sku_qwb") is spec
    assert cause_of(reason_code="unknown_sku_qwb", problems=[{"sku": "X"}, {"sku": "X"}]) == (
        "SKU not in the catalog: SKU X"
    )
    # An unregistered code still reads as words.
    assert reason_spec("never_heard_of").plain == "Never heard of"


def test_effect_counts_value_held_lines_and_skus(cast):
    item = held_orders(cast, 1)[0]
    effect = effect_of(item)
    line = item.payload["lines"][0]
    assert effect.lines == 1 and effect.skus == ["ACME-BOLT-M8"]
    assert effect.value == Decimal(line["quantity"]) * Decimal(line["unit_price"]) > 0
    assert str(effect).startswith("USD ") and "held" in str(effect)


# Views


def test_views_mine_team_unassigned_and_overdue(cast):
    price, duplicate = held_orders(cast, 1)[0], held(ReasonCode.POSSIBLE_DUPLICATE, [DUPLICATE])
    pricing, orderdesk = cast.user("pricing"), cast.user("orderdesk")

    def shown(user, view) -> list[str]:
        return names(queue_items(user=user, query=QueueQuery(view=view)))

    assert shown(pricing, "mine") == [price.subject_key]
    assert shown(orderdesk, "team") == [duplicate.subject_key]
    quarantine_assign(item=price, assignee=pricing, actor=pricing)
    assert shown(pricing, "unassigned") == [duplicate.subject_key]
    assert shown(pricing, "overdue") == []
    # Older than its flow's resolution SLA: overdue.
    sla = Flow.objects.get(code="record-sync").resolution_sla
    QuarantineItem.objects.filter(pk=duplicate.pk).update(
        created_at=timezone.now() - sla - timedelta(minutes=1)
    )
    assert shown(pricing, "overdue") == [duplicate.subject_key]
    rows = queue_rows(user=pricing, items=queue_items(user=pricing, query=QueueQuery()))
    assert [(r.item.pk, r.overdue, r.can_act) for r in rows] == [
        (duplicate.pk, True, False),
        (price.pk, False, True),
    ]


def test_queue_rows_name_the_customer(cast):
    item = held_orders(cast, 1)[0]
    duplicate = held(ReasonCode.POSSIBLE_DUPLICATE, [DUPLICATE])
    rows = queue_rows(user=cast.user("admin"), items=[item, duplicate])
    assert rows[0].customer == "NW-1001 Northwind Traders"
    assert rows[1].customer == ""  # AC-9001 is not a company the hub has yet


# Teams and refusals


def test_another_teams_owner_is_refused_with_who_may_and_why(cast):
    item = held_orders(cast, 1)[0]
    with pytest.raises(DecisionRefused) as refused:
        registry.decision_for(item=item, user=cast.user("orderdesk"), name="correct")
    assert "Only Priya Pricing (the owner of this decision) may do that." in refused.value.message
    assert "order desk owner" in refused.value.message and "read-only" in refused.value.message


def test_assign_only_within_the_owners_team_and_kept_in_history(cast):
    item = held_orders(cast, 1)[0]
    with pytest.raises(PermissionRefused):
        quarantine_assign(item=item, assignee=None, actor=cast.user("orderdesk"))
    with pytest.raises(ValidationFailed, match="is not in pricing owner"):
        quarantine_assign(item=item, assignee=cast.user("orderdesk"), actor=cast.user("pricing"))
    quarantine_assign(
        item=item, assignee=cast.user("pricing"), actor=cast.user("admin"), note="yours"
    )
    item.refresh_from_db()
    assert item.assignee.username == "pricing"
    action = QuarantineAction.objects.get(item=item)
    assert (action.action, action.actor.username, action.note) == ("assigned", "admin", "yours")
    assert action.data == {"from": None, "to": "pricing"}


def test_a_comment_needs_text_and_lands_in_history(cast):
    item = held_orders(cast, 1)[0]
    with pytest.raises(ValidationFailed):
        quarantine_comment(item=item, actor=cast.user("auditor"), note="  ")
    quarantine_comment(item=item, actor=cast.user("auditor"), note="Seen on the call")
    assert item.actions.get().action == "commented"


# Corrections are versions; the payload as mapped never changes


def test_each_correction_is_a_new_version_and_the_payload_stays(cast):
    item = held_orders(cast, 1)[0]
    sent = item.payload
    quarantine_correct_order_prices(item=item, prices={1: "0.35"}, actor=cast.user("pricing"))
    item = quarantine_refuse_replay(item=item, actor=cast.user("approver"), note="ask first")
    quarantine_accept_owner_prices(item=item, actor=cast.user("pricing"))
    item.refresh_from_db()
    assert item.payload == sent
    versions = list(item.corrections.values_list("version", "decision"))
    assert versions == [(1, "corrected"), (2, "accepted_owner_value")]
    assert item.corrections.get(version=1).payload["lines"][0]["unit_price"] == "0.35"
    assert item.corrected_payload == item.corrections.get(version=2).payload


def test_approval_records_what_was_sent(cast):
    item = held_orders(cast, 1)[0]
    item = quarantine_accept_owner_prices(item=item, actor=cast.user("pricing"))
    replay_approve(item=item, actor=cast.user("approver"))
    approved = item.actions.get(action="approved_replay")
    assert approved.data["sent"] == item.corrected_payload


# The typed correction form is built from the entity's fields and the matrix


def test_held_field_gets_a_typed_input_from_the_entity_not_a_json_box(world, cast):  # noqa: F811
    item = held_credit_limit(world)
    form = FieldCorrectionForm(item=item)
    field = form.fields["field_limit"]
    assert type(field).__name__ == "DecimalField"
    assert "Owned by erp" in field.help_text
    bad = FieldCorrectionForm({"field_limit": "lots", "note": ""}, item=item)
    assert not bad.is_valid() and "field_limit" in bad.errors
    names_offered = [d.name for d in registry.offered(item=item, user=cast.user("credit"))]
    assert names_offered[:2] == ["correct", "accept_owner_value"]


def test_field_correction_and_accept_owner_value_replay_as_decided(world, cast):  # noqa: F811
    item = held_credit_limit(world)
    correct = registry.decision_for(item=item, user=cast.user("credit"), name="correct")
    form = correct.form(item, {"field_limit": "75000.00", "note": "raised by the CFO"})
    assert form.is_valid(), form.errors
    correct.take(item=item, actor=cast.user("credit"), data=form.cleaned_data)
    item.refresh_from_db()
    assert item.corrected_payload["fields"]["limit"] == "75000.00"
    assert item.payload["fields"]["limit"] == "1.00"
    replay_approve(item=item, actor=cast.user("approver"))
    assert str(CompanyAccount.objects.get(number="NW-1001").creditlimit.limit) == "75000.00"


def test_accepting_the_owners_value_leaves_the_record_as_the_owner_has_it(world, cast):  # noqa: F811
    item = held_credit_limit(world)
    decide = registry.decision_for(item=item, user=cast.user("credit"), name="accept_owner_value")
    decide.take(item=item, actor=cast.user("credit"), data={"note": ""})
    item.refresh_from_db()
    assert "limit" not in item.corrected_payload["fields"]
    replay_approve(item=item, actor=cast.user("approver"))
    item.refresh_from_db()
    assert item.status == QuarantineStatus.RESOLVED
    assert str(CompanyAccount.objects.get(number="NW-1001").creditlimit.limit) == "50000.00"
