"""Record sync saves through the owning entity app's upsert service."""

import pytest
from rest_framework.test import APIClient

from apps.api.services import partner_token_issue
from apps.catalog.models import Product
from apps.pricing.models import ContractPrice

pytestmark = pytest.mark.django_db


def write(system: str, entity: str, key: dict, fields: dict):
    token = partner_token_issue(partner_code=system)
    return APIClient().post(
        f"/api/v1/records/{entity}/",
        {"key": key, "fields": fields},
        format="json",
        HTTP_AUTHORIZATION=f"Token {token}",
        HTTP_IDEMPOTENCY_KEY=f"{system}-{entity}-{sorted(fields.items())}",
    )


def test_record_write_history_names_the_writing_system(cast):
    response = write("pim", "product", {"sku": "ACME-WASHER-M8"}, {"name": "Washer M8"})
    assert response.status_code == 201, response.content
    record = Product.objects.get(sku="ACME-WASHER-M8").history.get()
    assert record.history_change_reason == "record-sync from pim"


def test_a_resend_of_the_owners_values_leaves_no_empty_history(cast):
    product = Product.objects.get(sku="ACME-BOLT-M8")
    before = product.history.count()
    response = write("pim", "product", {"sku": product.sku}, {"name": product.name})
    assert response.status_code == 200 and response.json()["applied"] == []
    assert product.history.count() == before


def test_a_created_price_is_stamped_with_the_system_that_authorised_it(cast):
    key = {"account": "NW-1001", "product": "ACME-GLOVE-L", "valid_from": "2031-01-01"}
    response = write("erp", "contract_price", key, {"unit_price": "6.00", "currency": "USD"})
    assert response.status_code == 201, response.content
    price = ContractPrice.objects.get(product__sku="ACME-GLOVE-L", valid_from="2031-01-01")
    assert price.authorised_by.code == "erp"
    assert price.history.get().history_change_reason == "record-sync from erp"
