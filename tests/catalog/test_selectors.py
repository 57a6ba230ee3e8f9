import pytest

from apps.catalog.models import Product, SkuRule
from apps.catalog.selectors import (
    product_for,
    products_for,
    unit_conversion_for,
    unit_conversions_for,
)
from apps.systems.models import ExternalReference, System

pytestmark = pytest.mark.django_db

SENT = ["acme-bolt-m8", "ACME-NUT-M8", "THEIR-GLOVE", "NOT-A-PRODUCT"]


def storefront_with_rule_and_reference() -> System:
    storefront = System.objects.get(code="storefront")
    SkuRule.objects.update_or_create(system=storefront, defaults={"uppercase": True})
    ExternalReference.objects.create(
        system=storefront, entity="product", external_id="THEIR-GLOVE", canonical_key="ACME-GLOVE-L"
    )
    return storefront


def test_products_for_many_skus_agree_with_one_at_a_time_in_three_queries(
    cast, django_assert_num_queries
):
    storefront = storefront_with_rule_and_reference()
    with django_assert_num_queries(3):
        found = products_for(system=storefront, skus=SENT * 20)
    assert found == {sku: product_for(system=storefront, sku=sku) for sku in SENT}
    assert found["THEIR-GLOVE"].sku == "ACME-GLOVE-L"
    assert found["NOT-A-PRODUCT"] is None


def test_unit_conversions_for_many_lines_agree_with_one_at_a_time_in_one_query(
    cast, django_assert_num_queries
):
    storefront = System.objects.get(code="storefront")
    wanted = [(code, product) for code in ("CS", "EA", "PAL") for product in Product.objects.all()]
    with django_assert_num_queries(1):
        found = unit_conversions_for(system=storefront, wanted=wanted)
    for code, product in wanted:
        assert found[(code, product.pk)] == unit_conversion_for(
            system=storefront, code=code, product=product
        )
