"""Held record writes: duplicates never merged silently, owners decide, a second person approves."""

import pytest

from apps.accounts.models import CompanyAccount
from apps.accounts.selectors import account_for
from apps.catalog.models import InventoryLevel, SkuRule
from apps.core.errors import ValidationFailed
from apps.exchange.services import replay_approve
from apps.orders.models import OrderLine
from apps.ownership.models import FieldOwnership
from apps.quarantine.models import QuarantineItem, QuarantineStatus
from apps.quarantine.services import (
    quarantine_decide_same_company,
    quarantine_discard,
    quarantine_submit_correction,
)
from apps.systems.models import ExternalReference, System
from tests.exchange.test_record_sync import SAMPLES, World

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cast):
    CompanyAccount.objects.filter(number="NW-1001").update(
        tax_id="31-1234567", duns="987654321", postal_code="45402"
    )
    return World(cast)


def new_company(world, **fields):
    sample = SAMPLES["company_account"]
    return world.write(
        "crm", "company_account", sample["key"], sample["fields"] | fields, external_id="CRM-77"
    )


@pytest.mark.parametrize(
    "fields,reason",
    [
        ({"tax_id": "31-1234567"}, "same tax id"),
        ({"duns": "987654321"}, "same DUNS number"),
        ({"name": "NORTHWIND TRADERS, Inc.", "postal_code": "45402"}, "same name and postal code"),
    ],
)
def test_possible_duplicate_is_held_with_its_candidate(world, fields, reason):
    response = new_company(world, **fields)
    assert response.status_code == 202
    assert response.json()["possible_duplicate_of"] == "NW-1001"
    assert not CompanyAccount.objects.filter(number="AC-9001").exists()
    item = QuarantineItem.objects.get(reason_code="possible_duplicate")
    assert item.problems[0]["reason"] == reason
    assert item.assigned_owner.user.username == "orderdesk"


def test_same_company_decision_maps_the_senders_id_to_the_candidate(world, cast):
    new_company(world, tax_id="31-1234567")
    item = quarantine_decide_same_company(
        item=QuarantineItem.objects.get(), actor=cast.user("orderdesk")
    )
    assert item.corrected_payload["same_as"] == "NW-1001"
    replay_approve(item=item, actor=cast.user("approver"))
    crm = System.objects.get(code="crm")
    assert account_for(system=crm, number="CRM-77").number == "NW-1001"
    assert not CompanyAccount.objects.filter(number="AC-9001").exists()


def test_new_company_decision_creates_it(world, cast):
    new_company(world, tax_id="31-1234567")
    item = QuarantineItem.objects.get()
    item = quarantine_submit_correction(
        item=item, corrected_payload=item.payload, actor=cast.user("orderdesk")
    )
    replay_approve(item=item, actor=cast.user("approver"))
    assert CompanyAccount.objects.get(number="AC-9001").tax_id == "31-1234567"


def test_distinct_company_is_created_with_its_cross_reference(world):
    assert new_company(world).status_code == 201
    crm = System.objects.get(code="crm")
    assert account_for(system=crm, number="CRM-77").number == "AC-9001"


def held_credit_limit(world):
    world.create("credit_limit")
    response = world.write("storefront", "credit_limit", {"account": "NW-1001"}, {"limit": "1.00"})
    assert response.status_code == 202
    return QuarantineItem.objects.get(reason_code="ownership_refused")


def test_owner_approved_replay_applies_the_held_field_with_history(world, cast):
    item = held_credit_limit(world)
    assert item.assigned_owner.user.username == "credit"
    item = quarantine_submit_correction(
        item=item, corrected_payload=item.payload, actor=cast.user("credit")
    )
    replay_approve(item=item, actor=cast.user("approver"))
    limit = CompanyAccount.objects.get(number="NW-1001").creditlimit
    assert str(limit.limit) == "1.00"
    assert limit.history.first().history_type == "~"


def test_discard_keeps_the_owner_value_and_needs_a_reason(world, cast):
    item = held_credit_limit(world)
    with pytest.raises(ValidationFailed):
        quarantine_discard(item=item, actor=cast.user("credit"), note=" ")
    quarantine_discard(item=item, actor=cast.user("credit"), note="Storefront has no say here")
    item.refresh_from_db()
    assert item.status == QuarantineStatus.DISCARDED
    assert str(CompanyAccount.objects.get(number="NW-1001").creditlimit.limit) == "50000.00"


def test_sku_rule_and_cross_reference_resolve_a_systems_own_codes(world):
    wms = System.objects.get(code="wms")
    SkuRule.objects.create(system=wms, uppercase=True, strip_prefix="WMS:")
    key = {"product": "wms:acme-bolt-m8", "location": "DAY-1"}
    assert world.write("wms", "inventory", key, {"available": "5"}).status_code == 201
    ExternalReference.objects.create(
        system=wms, entity="product", external_id="4711", canonical_key="ACME-NUT-M8"
    )
    key = {"product": "4711", "location": "DAY-1"}
    assert world.write("wms", "inventory", key, {"available": "7"}).status_code == 201
    levels = dict(InventoryLevel.objects.values_list("product__sku", "available"))
    assert {k: str(v) for k, v in levels.items()} == {
        "ACME-BOLT-M8": "5.0000",
        "ACME-NUT-M8": "7.0000",
    }


def test_unknown_reference_is_a_400_naming_the_field(world):
    response = world.write(
        "wms", "inventory", {"product": "NOPE", "location": "X"}, {"available": "1"}
    )
    assert response.status_code == 400
    assert "product" in response.json()["error"]["fields"]


def test_unknown_entity_is_404_and_unknown_field_400(world):
    assert world.write("erp", "spaceship", {"id": 1}, {}).status_code == 404
    response = world.write("erp", "credit_limit", {"account": "NW-1001"}, {"colour": "red"})
    assert response.status_code == 400
    assert "colour" in response.json()["error"]["fields"]["fields"][0]


def test_fields_of_different_deciders_go_to_each_owner_separately(world, cast):
    # The WMS reads order lines (so they are in its scope) but owns neither field.
    wms = System.objects.get(code="wms")
    for rule in FieldOwnership.objects.filter(entity="order_line"):
        rule.consumers.add(wms)
    key = {"order": world.order, "line_number": 1}
    response = world.write("wms", "order_line", key, {"quantity": "1", "unit_price": "0.01"})
    assert response.status_code == 202
    items = {i.assigned_owner.user.username: i for i in QuarantineItem.objects.all()}
    assert {name: [p["field"] for p in i.problems] for name, i in items.items()} == {
        "orderdesk": ["quantity"],
        "pricing": ["unit_price"],
    }
    pricing_item = quarantine_submit_correction(
        item=items["pricing"],
        corrected_payload=items["pricing"].payload,
        actor=cast.user("pricing"),
    )
    replay_approve(item=pricing_item, actor=cast.user("approver"))
    line = OrderLine.objects.get(order__number=world.order, line_number=1)
    assert (str(line.unit_price), str(line.quantity)) == ("0.0100", "120.0000")
