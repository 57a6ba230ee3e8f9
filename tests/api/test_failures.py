"""Partner self-service: its rejected payloads and held items, in plain words, its own only."""

import pytest

from apps.orders.models import Order
from tests.api.partner_world import client_for, marketplace, order_post

pytestmark = pytest.mark.django_db


def test_a_rejected_payload_is_listed_with_what_to_change(cast):
    api = client_for(cast.token)
    api.post(
        "/api/v1/orders/",
        {"account": "ZZ-0000", "currency": "USD", "lines": []},
        format="json",
        HTTP_IDEMPOTENCY_KEY="refused-1",
    )
    rows = api.get("/api/v1/failures/").json()["results"]
    row = next(row for row in rows if row["idempotency_key"] == "refused-1")
    assert row["kind"] == "rejected" and row["flow"] == "order-capture"
    assert row["reason"] and row["what_to_change"]
    assert row["code"] in ("validation_failed", "unknown_account")


def test_a_price_held_in_quarantine_is_listed_and_explained(cast):
    api = client_for(cast.token)
    body = {"lines": [{"sku": "ACME-NUT-M8", "quantity": "100", "uom": "EA", "unit_price": "9.99"}]}
    answer = order_post(api, "held-1", **body)
    assert Order.objects.get(number=answer["number"]).status == "quarantined"
    rows = api.get("/api/v1/failures/?kind=quarantined").json()["results"]
    assert rows[0]["code"] == "price_mismatch"
    assert "/api/v1/prices/" in rows[0]["what_to_change"]
    assert answer["number"] in rows[0]["subject"]


def test_another_partner_sees_none_of_them(cast):
    api = client_for(cast.token)
    order_post(
        api,
        "held-2",
        lines=[{"sku": "ACME-NUT-M8", "quantity": "1", "uom": "EA", "unit_price": "9.99"}],
    )
    _, token = marketplace()
    assert client_for(token).get("/api/v1/failures/").json()["count"] == 0


def test_the_page_lists_them_for_a_person(cast):
    api = client_for(cast.token)
    order_post(
        api,
        "held-3",
        lines=[{"sku": "ACME-NUT-M8", "quantity": "1", "uom": "EA", "unit_price": "9.99"}],
    )
    page = api.get("/api/v1/failures/page/", HTTP_ACCEPT="application/json")
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    text = page.content.decode()
    assert "price authorised for the account" in text and "What you must change" in text


def test_the_page_refuses_without_a_token_in_html(cast):
    from rest_framework.test import APIClient

    page = APIClient().get("/api/v1/failures/page/")
    assert page.status_code == 401 and page["Content-Type"].startswith("text/html")
    assert "WWW-Authenticate" in page
