"""An order's number is taken before its insert: HUB-<pk>, unique, one history row per order."""

import threading

import pytest
from django.db import connection, connections, transaction

from apps.accounts.models import CompanyAccount
from apps.catalog.models import Product
from apps.orders.models import Order
from apps.orders.services import order_create, order_number
from apps.systems.models import System

pytestmark = pytest.mark.django_db


def new_order(po_number: str = "PO-1") -> Order:
    return order_create(
        account=CompanyAccount.objects.get(number="NW-1001"),
        source_system=System.objects.get(code="storefront"),
        po_number=po_number,
        currency="USD",
        ship_to={},
        status="received",
        lines=[
            {
                "line_number": 1,
                "product": Product.objects.get(sku="ACME-BOLT-M8"),
                "quantity": "5",
                "uom": "EA",
                "unit_price": "0.4200",
            }
        ],
    )


def test_the_number_is_hub_and_the_primary_key_in_seven_digits(cast):
    order = new_order()
    assert order.number == f"HUB-{order.pk:07d}" == order_number(order.pk)
    assert Order.objects.get(number=order.number).pk == order.pk
    assert order_number(42) == "HUB-0000042"


def test_a_new_order_has_one_history_row_with_its_number(cast):
    order = new_order()
    [record] = Order.history.filter(id=order.pk)
    assert record.history_type == "+" and record.number == order.number


def test_numbers_of_successive_orders_are_distinct_and_rising(cast):
    orders = [new_order(f"PO-{index}") for index in range(5)]
    keys = [order.pk for order in orders]
    assert keys == sorted(set(keys))
    assert len({order.number for order in orders}) == 5


def test_a_rolled_back_order_never_lends_its_number_to_a_committed_one(cast):
    kept = new_order("PO-kept")
    with pytest.raises(RuntimeError), transaction.atomic():
        new_order("PO-gone")
        raise RuntimeError("roll back")
    after = new_order("PO-after")
    assert after.pk > kept.pk and Order.objects.filter(number=after.number).count() == 1


def test_the_returned_order_carries_its_lines_without_a_query(cast, django_assert_num_queries):
    order = new_order()
    with django_assert_num_queries(0):
        lines = list(order.lines.all())
        skus = [line.product.sku for line in lines]
    assert skus == ["ACME-BOLT-M8"]
    assert [line.pk for line in lines] == list(
        order.lines.model.objects.filter(order=order).values_list("pk", flat=True)
    )


# SQLite runs one writer at a time; the race between writers needs PostgreSQL.
@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_get_the_same_number(cast):
    assert connection.vendor == "postgresql", "run by the PostgreSQL pass"
    numbers, failures = [], []

    def writer(index: int) -> None:
        try:
            for round_ in range(5):
                with transaction.atomic():
                    numbers.append(new_order(f"PO-{index}-{round_}").number)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(numbers) == len(set(numbers)) == 20
    assert Order.objects.filter(number__in=numbers).count() == 20
