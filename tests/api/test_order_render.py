"""The POST answer's plain renderer gives exactly what the OrderOut serializer gives (which the
GET and the API schema still use): the same keys in the same order, the same types, the same
text for decimals and times."""

from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.models import CompanyAccount
from apps.api.serializers import OrderOut, order_render
from apps.catalog.models import Product
from apps.orders.models import Order, OrderStatus
from apps.orders.services import order_create
from apps.systems.models import System
from tests.conftest import payload

pytestmark = pytest.mark.django_db

DOCK = {"name": "Dock 4", "line1": "4 Quay St", "city": "Dayton", "postal_code": "45402"}
SHAPES = {
    "one line": {"lines": [("ACME-BOLT-M8", "12", "0.4200", {})]},
    "ship_to per line": {
        "ship_to": DOCK | {"country": "US"},
        "lines": [
            ("ACME-BOLT-M8", "120", "0.0350", DOCK | {"country": "CA", "region": "ON"}),
            ("ACME-NUT-M8", "1", "3", {}),
        ],
    },
    "quarantined": {"status": OrderStatus.QUARANTINED, "lines": [("ACME-NUT-M8", "7.5", "1", {})]},
    "several lines, decimals as Decimal": {
        "status": "received",
        "po_number": "",
        "lines": [
            (sku, Decimal(quantity), Decimal(price), {})
            for sku, quantity, price in (
                ("ACME-BOLT-M8", "0.0001", "9999999999.9999"),
                ("ACME-NUT-M8", "1E+3", "0.5"),
                ("ACME-GLOVE-L", "12.0000", "0"),
                ("ACME-BOLT-M8", "3.10", "0.0833"),
            )
        ],
    },
}


def created(shape: dict) -> Order:
    products = Product.objects.in_bulk(field_name="sku")
    return order_create(
        account=CompanyAccount.objects.get(number="NW-1001"),
        source_system=System.objects.get(code="storefront"),
        po_number=shape.get("po_number", "PO-RENDER"),
        currency="USD",
        ship_to=shape.get("ship_to", {}),
        status=shape.get("status", OrderStatus.RECEIVED),
        lines=[
            {
                "line_number": number,
                "product": products[sku],
                "quantity": quantity,
                "uom": products[sku].uom,
                "unit_price": price,
                "ship_to": ship_to,
            }
            for number, (sku, quantity, price, ship_to) in enumerate(shape["lines"], start=1)
        ],
    )


def typed(value):
    """The rendered value with each leaf's type beside it, dict subclasses as dicts, and key
    order kept: equal only if the JSON and the Python types are the same."""
    if isinstance(value, dict):
        return [(key, typed(item)) for key, item in value.items()]
    if isinstance(value, list):
        return [typed(item) for item in value]
    return (type(value), value)


def assert_renders_alike(order: Order) -> None:
    assert typed(order_render(order)) == typed(OrderOut(order).data)


@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Kolkata"])
def test_an_order_renders_as_the_serializer_renders_it(cast, shape, zone):
    order = created(shape)
    with timezone.override(zone):
        assert_renders_alike(order)  # in memory, as order_create returns it
        stored = Order.objects.select_related("account").prefetch_related("lines__product")
        assert_renders_alike(stored.get(pk=order.pk))


def test_an_order_the_erp_answered_renders_as_the_serializer_renders_it(cast):
    order = created(SHAPES["ship_to per line"])
    Order.objects.filter(pk=order.pk).update(external_ref="ERP-991", status=OrderStatus.SUBMITTED)
    order.refresh_from_db()
    assert_renders_alike(order)
    assert order_render(order)["external_ref"] == "ERP-991"


@override_settings(USE_TZ=False)
def test_without_time_zones_an_order_renders_as_the_serializer_renders_it(cast):
    assert_renders_alike(created(SHAPES["one line"]))


def test_the_posted_answer_is_the_serializers_rendering_of_the_stored_order(cast):
    body = payload("order_storefront_cases.json")
    body["lines"][0]["ship_to"] = DOCK | {"country": "US"}
    posted = APIClient().post(
        "/api/v1/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY="render-1", **cast.auth()
    )
    assert posted.status_code == 201, posted.content
    order = Order.objects.get(number=posted.json()["number"])
    assert posted.json() == OrderOut(order).data
