"""Ownership enforcement of order_line.unit_price in the validate stage, both modes."""

import pytest
from rest_framework.test import APIClient

from apps.exchange.models import TraceEvent
from apps.orders.models import Order, OrderStatus
from apps.ownership.models import Enforcement, FieldOwnership
from apps.pricing.models import ContractPrice
from apps.quarantine.models import QuarantineItem
from apps.systems.models import System
from tests.conftest import payload

pytestmark = pytest.mark.django_db


def receive(cast, name: str, key: str = "k-1", **changes) -> dict:
    response = APIClient().post(
        "/api/v1/orders/",
        payload(name) | changes,
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
        **cast.auth(),
    )
    assert response.status_code == 201, response.content
    return response.json()


def unit_price_rule() -> FieldOwnership:
    return FieldOwnership.objects.get(entity="order_line", field="unit_price")


def test_price_equal_to_contract_passes_though_storefront_does_not_own_it(cast):
    assert receive(cast, "order_storefront_cases.json")["status"] == OrderStatus.RECEIVED
    assert not QuarantineItem.objects.exists()


def test_quarantine_mode_holds_mismatch_for_the_matrix_business_owner(cast):
    answer = receive(cast, "order_price_mismatch.json")
    assert answer["status"] == OrderStatus.QUARANTINED
    item = QuarantineItem.objects.get()
    assert item.assigned_owner == unit_price_rule().business_owner
    assert (
        item.problems[0] | {"sent_unit_price": "0.3000", "owner_system": "erp"} == item.problems[0]
    )


def test_ignore_mode_lets_the_owner_price_stand_and_notes_it(cast):
    FieldOwnership.objects.filter(pk=unit_price_rule().pk).update(enforcement=Enforcement.IGNORE)
    answer = receive(cast, "order_price_mismatch.json")
    assert answer["status"] == OrderStatus.RECEIVED
    assert answer["lines"][0]["unit_price"] == "0.3500"
    note = TraceEvent.objects.get(stage="validate", subject_key=answer["number"])
    assert note.outcome == "note" and "0.3500 stands" in note.message
    assert not QuarantineItem.objects.exists()


def test_a_system_allowed_to_create_the_field_keeps_its_price(cast):
    unit_price_rule().may_create.add(System.objects.get(code="storefront"))
    answer = receive(cast, "order_price_mismatch.json")
    assert answer["status"] == OrderStatus.RECEIVED
    assert answer["lines"][0]["unit_price"] == "0.3000"


def test_no_authorised_price_is_quarantined(cast):
    ContractPrice.objects.filter(product__sku="ACME-BOLT-M8").delete()
    receive(cast, "order_storefront_cases.json")
    assert QuarantineItem.objects.get().reason_code == "no_authorised_price"


def test_expired_contract_price_is_not_authorised(cast):
    ContractPrice.objects.filter(product__sku="ACME-BOLT-M8").update(valid_to="2026-02-01")
    assert receive(cast, "order_storefront_cases.json")["status"] == OrderStatus.QUARANTINED


def test_matrix_without_the_rule_fails_loudly_not_silently(cast):
    unit_price_rule().delete()
    response = APIClient().post(
        "/api/v1/orders/",
        payload("order_storefront_cases.json"),
        format="json",
        HTTP_IDEMPOTENCY_KEY="k",
        **cast.auth(),
    )
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "ownership_rule_missing"
    assert not Order.objects.exists()
