"""The issue's three stories, with the seeded matrix as it ships."""

import pytest

from apps.catalog.models import InventoryLevel
from apps.pricing.models import ContractPrice
from apps.quarantine.models import QuarantineItem
from tests.exchange.test_record_sync import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cast):
    return World(cast)


def test_storefront_writing_a_contract_price_is_quarantined_for_pricing(world):
    key = {"account": "NW-1001", "product": "ACME-BOLT-M8", "valid_from": "2026-01-01"}
    response = world.write("storefront", "contract_price", key, {"unit_price": "0.0100"})
    assert response.status_code == 202
    [held] = response.json()["quarantined"]
    assert (held["owner_system"], held["business_owner"]) == ("erp", "Priya Pricing")
    assert (
        str(
            ContractPrice.objects.get(
                product__sku="ACME-BOLT-M8", account__number="NW-1001"
            ).unit_price
        )
        == "0.3500"
    )
    assert QuarantineItem.objects.get().assigned_owner.name == "Priya Pricing"


def test_erp_writing_an_inventory_figure_is_ignored_and_the_wms_figure_stands(world):
    key = {"product": "ACME-BOLT-M8", "location": "DAY-1"}
    assert world.write("wms", "inventory", key, {"available": "480"}).status_code == 201
    response = world.write("erp", "inventory", key, {"available": "10000"})
    assert response.status_code == 200
    [ignored] = response.json()["ignored"]
    assert (ignored["owner_system"], ignored["business_owner"]) == ("wms", "Lou Logistics")
    assert str(InventoryLevel.objects.get().available) == "480.0000"


def test_storefront_raising_a_credit_limit_is_quarantined_for_credit(world):
    world.create("credit_limit")
    response = world.write(
        "storefront",
        "credit_limit",
        {"account": "NW-1001"},
        {"limit": "10000000.00", "hold": False},
    )
    assert response.status_code == 202
    assert [h["field"] for h in response.json()["quarantined"]] == ["limit"]
    assert response.json()["quarantined"][0]["escalation_contact"] == "cfo-office@example.com"
