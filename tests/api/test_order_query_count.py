"""The order path's SQL is flat in the number of lines: reads in bulk, lines inserted in bulk."""

import pytest
from django.db import connection
from rest_framework.test import APIClient

from apps.orders.models import Order
from tests.conftest import payload

pytestmark = pytest.mark.django_db

# Both at the storefront's contract prices, so the same path (routed, not quarantined) is measured.
LINES = payload("order_storefront_cases.json")["lines"]
EXTRA_QUERIES_FOR_100_LINES = 5
# A 1-line order, counted inside the test's transaction (so with two savepoints each for the
# envelope's insert and for the processing): the token (with the configuration version),
# the key/body lookup, the envelope; one statement for the partner's cross-references, the
# account (with its entitlement and ERP code), the products (with their ERP codes and the
# partner's unit conversions) and the authorised prices (order_capture/reads.py
# `order_reads`); the order's number, the order, lines and their history, the outbox row,
# the trace, the envelope's answer. The flow, the partner's system with its SKU rule and the
# matrix's decision come from memory.
ORDER_QUERIES = 16
# PostgreSQL draws the order's number in the order's INSERT, and writes each of the order and
# its lines with their history rows in one statement (apps/core/insert.py): 5 statements are 2.
FEWER_ON_POSTGRESQL = 3


def order_of(count: int, po_number: str) -> dict:
    # A repeated body is answered from the first order, so each order has its own PO.
    body = payload("order_storefront_cases.json") | {"po_number": po_number}
    body["lines"] = [LINES[index % len(LINES)] for index in range(count)]
    return body


def post(cast, body, key):
    return APIClient().post(
        "/api/v1/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY=key, **cast.auth()
    )


def queries_for(cast, count, django_assert_max_num_queries, limit):
    with django_assert_max_num_queries(limit) as captured:
        response = post(cast, order_of(count, f"PO-{count}"), key=f"lines-{count}")
    assert response.status_code == 201, response.content
    assert len(response.json()["lines"]) == count
    return len(captured)


def test_a_hundred_line_order_costs_about_what_a_one_line_order_costs(
    cast, django_assert_max_num_queries
):
    post(cast, order_of(1, "PO-WARM"), key="warm-up")  # first use of the token, caches, sequences
    one = queries_for(cast, 1, django_assert_max_num_queries, limit=1000)
    queries_for(cast, 100, django_assert_max_num_queries, limit=one + EXTRA_QUERIES_FOR_100_LINES)


def test_every_line_of_a_large_order_is_stored_with_its_history(cast):
    response = post(cast, order_of(100, "PO-LARGE"), key="large")
    assert response.status_code == 201, response.content
    order = Order.objects.get(number=response.json()["number"])
    assert list(order.lines.values_list("line_number", flat=True).order_by("line_number")) == list(
        range(1, 101)
    )
    assert order.lines.model.history.filter(order_id=order.pk).count() == 100


def test_an_order_costs_a_fixed_number_of_queries(cast, django_assert_max_num_queries):
    post(cast, order_of(1, "PO-WARM"), key="warm-up")  # the flow and matrix decision kept
    fewer = FEWER_ON_POSTGRESQL if connection.vendor == "postgresql" else 0
    queries_for(cast, 1, django_assert_max_num_queries, limit=ORDER_QUERIES - fewer)
