"""The ERP gets its own order document and codes, not the hub's canonical JSON."""

import pytest

from apps.exchange.models import Delivery
from apps.systems.models import ExternalReference, System
from tests.exchange.test_validation import receive

pytestmark = pytest.mark.django_db


def test_the_erp_receives_its_customer_and_item_codes(cast):
    erp = System.objects.get(code="erp")
    ExternalReference.objects.create(
        system=erp, entity="company_account", external_id="C-900", canonical_key="NW-1001"
    )
    ExternalReference.objects.create(
        system=erp, entity="product", external_id="ITEM-77", canonical_key="ACME-BOLT-M8"
    )
    number = receive(cast, "order_storefront_cases.json")["number"]
    document = Delivery.objects.get(subject_key=number).payload
    assert document["hub_order_number"] == number
    assert document["customer"] == "C-900" and "account" not in document
    bolts, nuts = document["lines"]
    assert (bolts["line"], bolts["item"], bolts["uom"], bolts["quantity"]) == (
        1,
        "ITEM-77",
        "EA",
        "120",
    )
    assert nuts["item"] == "ACME-NUT-M8", "no cross-reference: the hub's SKU"
    assert "sku" not in bolts


def test_without_a_cross_reference_the_hubs_key_is_the_erps_code(cast):
    number = receive(cast, "order_storefront_cases.json")["number"]
    document = Delivery.objects.get(subject_key=number).payload
    assert document["customer"] == "NW-1001"
    assert document["lines"][0]["item"] == "ACME-BOLT-M8"
