"""Upserts of canonical order data by natural key (record sync, bulk pulls, the admin)."""

from decimal import Decimal

import pytest

from apps.accounts.models import CompanyAccount
from apps.catalog.models import Product
from apps.core.errors import ValidationFailed
from apps.orders.models import Order, OrderLine, Payment
from apps.orders.services import order_line_upsert, order_upsert, payments_upsert_bulk
from apps.systems.models import System

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(cast):
    return order_upsert(
        key={"number": "HUB-T0001"},
        values={
            "account": CompanyAccount.objects.get(number="NW-1001"),
            "source_system": System.objects.get(code="storefront"),
            "currency": "USD",
            "po_number": "PO-1",
        },
    )


def test_order_upsert_changes_the_po_number_with_history_naming_the_person(cast, order):
    person = cast.user("orderdesk")
    order_upsert(key={"number": order.number}, values={"po_number": "PO-2"}, actor=person)
    latest = Order.objects.get(number=order.number).history.first()
    assert latest.po_number == "PO-2" and latest.history_user == person


def test_order_upsert_refuses_a_status_outside_the_vocabulary(order):
    with pytest.raises(ValidationFailed) as refused:
        order_upsert(key={"number": order.number}, values={"status": "teleported"})
    assert "status" in refused.value.fields


def test_order_line_is_keyed_by_its_order_and_line_number(order):
    key = {"order": order, "line_number": 1}
    product = Product.objects.get(sku="ACME-BOLT-M8")
    values = {"product": product, "quantity": "10", "uom": "EA", "unit_price": "0.35"}
    order_line_upsert(key=key, values=values)
    order_line_upsert(key=key, values={"unit_price": "0.36"})
    line = OrderLine.objects.get(order=order, line_number=1)
    assert line.unit_price == Decimal("0.36") and line.history.count() == 2


def test_payments_bulk_creates_then_updates_by_reference(order, django_assert_max_num_queries):
    rows = [
        {"reference": f"PAY-{n}", "order": order, "amount": "10.00", "currency": "USD"}
        | {"status": "authorised"}
        for n in range(50)
    ]
    payments_upsert_bulk(rows=rows)
    for row in rows:
        row["status"] = "captured"
    with django_assert_max_num_queries(8):
        result = payments_upsert_bulk(rows=rows)
    assert result.updated == 50
    assert Payment.objects.filter(status="captured").count() == 50
