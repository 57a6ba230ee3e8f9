"""The answer to POST /api/v1/orders/ is rendered from memory and says what a GET says (the
GET says more: shipments, invoices, status history, the ERP's answer per line)."""

import pytest
from rest_framework.test import APIClient

from tests.conftest import payload

pytestmark = pytest.mark.django_db


def test_the_answer_to_an_order_equals_a_get_of_that_order(cast):
    client = APIClient()
    body = payload("order_storefront_cases.json")
    body["lines"][0]["ship_to"] = {
        "name": "Dock 4",
        "line1": "4 Quay St",
        "city": "Dayton",
        "postal_code": "45402",
        "country": "US",
    }
    posted = client.post(
        "/api/v1/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY="answer-1", **cast.auth()
    )
    assert posted.status_code == 201, posted.content
    got = client.get(f"/api/v1/orders/{posted.json()['number']}/", **cast.auth())
    assert got.status_code == 200
    assert posted.json() == as_posted(got.json(), posted.json())
    assert posted.json()["lines"][0]["ship_to"]["name"] == "Dock 4"


def as_posted(detail: dict, answer: dict) -> dict:
    """The detail cut down to the fields the POST answer has, lines included."""
    line_fields = set(answer["lines"][0])
    cut = {name: detail[name] for name in answer}
    cut["lines"] = [{k: v for k, v in line.items() if k in line_fields} for line in cut["lines"]]
    return cut


def test_a_repeat_is_answered_with_what_the_first_request_was_told(cast):
    client = APIClient()
    body = payload("order_storefront_cases.json")
    answers = [
        client.post(
            "/api/v1/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY="answer-2", **cast.auth()
        )
        for _ in range(2)
    ]
    assert [answer.status_code for answer in answers] == [201, 201]
    assert answers[0].json() == answers[1].json()


def test_the_answer_reads_no_order_or_line_back(cast, django_assert_max_num_queries):
    client = APIClient()
    body = payload("order_storefront_cases.json")
    with django_assert_max_num_queries(1000) as captured:
        posted = client.post(
            "/api/v1/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY="answer-3", **cast.auth()
        )
    assert posted.status_code == 201, posted.content
    reads = [
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].startswith(('SELECT "orders_order".', 'SELECT "orders_orderline".'))
    ]
    assert reads == []
