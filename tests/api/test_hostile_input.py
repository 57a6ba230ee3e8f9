"""Bad input is a structured 4xx with the payload kept as received, never a 500.

Each case is a class of input the probe broke the hub with; the same rules must hold on
SQLite and PostgreSQL (the suite runs on both).
"""

import json
import logging

import pytest
from rest_framework.test import APIClient

from apps.api.errors import api_exception_handler
from apps.api.services import partner_token_issue
from apps.core.errors import HubError
from apps.exchange.models import Envelope, EnvelopeStatus, TraceEvent
from apps.exchange.services import IntakeAnswer, envelope_receive
from apps.flows.selectors import flow_get
from apps.orders.models import Order
from apps.systems.models import System
from tests.conftest import payload

pytestmark = pytest.mark.django_db


def post_raw(cast, path: str, raw: bytes, key: str = "hostile-1", **headers):
    return APIClient().post(
        path,
        raw,
        content_type=headers.pop("content_type", "application/json"),
        HTTP_IDEMPOTENCY_KEY=key,
        **cast.auth(),
        **headers,
    )


def assert_refused_and_kept(response, raw: bytes, status: int = 400) -> dict:
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert set(error) == {"code", "message", "fields"}
    envelope = Envelope.objects.order_by("-pk").first()
    assert bytes(envelope.raw) == raw, "the payload is kept exactly as received"
    assert envelope.status == EnvelopeStatus.REJECTED
    assert TraceEvent.objects.filter(envelope=envelope, stage="reject").exists()
    return error


def order_with(**changes) -> dict:
    return payload("order_storefront_cases.json") | changes


def test_deeply_nested_json_is_refused_before_any_recursion(cast):
    raw = b'{"account": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"
    error = assert_refused_and_kept(post_raw(cast, "/api/v1/orders/", raw), raw)
    assert error["code"] == "too_deeply_nested"


@pytest.mark.parametrize("text", ["PO\u00007781", "\ud800PO"])
def test_text_no_database_can_store_is_refused_with_its_place(cast, text):
    raw = json.dumps(order_with(po_number=text)).encode()
    error = assert_refused_and_kept(post_raw(cast, "/api/v1/orders/", raw), raw)
    assert error["code"] == "invalid_text" and "body.po_number" in error["fields"]


@pytest.mark.parametrize("raw", [b'{"\\ud800": "x"}', b'{"lines": [{"sku\\u0000": 1}]}'])
def test_bad_text_in_keys_is_quoted_safely_in_the_answer_and_the_trace(cast, raw):
    error = assert_refused_and_kept(post_raw(cast, "/api/v1/orders/", raw), raw)
    assert error["code"] == "invalid_text"
    assert all("\x00" not in where and "\ud800" not in where for where in error["fields"])
    reject = TraceEvent.objects.get(stage="reject")
    assert json.dumps(reject.data, ensure_ascii=False).encode("utf-8")


def test_integer_with_thousands_of_digits_is_refused(cast):
    raw = b'{"account": "NW-1001", "lines": ' + b"9" * 5000 + b"}"
    error = assert_refused_and_kept(post_raw(cast, "/api/v1/orders/", raw), raw)
    assert error["code"] == "number_too_large"


def test_quantity_overflowing_its_column_after_unit_conversion_is_refused(cast):
    # 9,999,999,999 cases of 12 is 119,999,999,988 each: more digits than the column holds.
    order = order_with()
    order["lines"][0] |= {"quantity": "9999999999", "uom": "CS"}
    raw = json.dumps(order).encode()
    error = assert_refused_and_kept(post_raw(cast, "/api/v1/orders/", raw), raw)
    assert "quantity" in json.dumps(error["fields"])
    assert not Order.objects.exists()


def test_record_key_longer_than_its_column_is_refused(cast):
    token_headers = {"HTTP_AUTHORIZATION": f"Token {partner_token_issue(partner_code='pim')}"}
    body = {"key": {"sku": "X" * 500}, "fields": {"name": "Long"}}
    raw = json.dumps(body).encode()
    response = APIClient().post(
        "/api/v1/records/product/",
        raw,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="long-key",
        **token_headers,
    )
    error = assert_refused_and_kept(response, raw)
    assert "sku" in error["fields"]


def test_record_external_id_longer_than_its_column_is_refused(cast):
    body = {"key": {"sku": "ACME-NEW-1"}, "fields": {"name": "New"}, "external_id": "e" * 500}
    raw = json.dumps(body).encode()
    response = APIClient().post(
        "/api/v1/records/product/",
        raw,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="long-external-id",
        HTTP_AUTHORIZATION=f"Token {partner_token_issue(partner_code='pim')}",
    )
    assert "external_id" in assert_refused_and_kept(response, raw)["fields"]


@pytest.mark.parametrize("key", ["k" * 201, "caf\u00e9-1", "tab\tkey"])
def test_invalid_idempotency_key_is_refused_and_payload_kept(cast, key):
    raw = json.dumps(order_with()).encode()
    error = assert_refused_and_kept(post_raw(cast, "/api/v1/orders/", raw, key=key), raw)
    assert error["code"] == "idempotency_key_invalid"
    assert "Idempotency-Key" in error["fields"]


def test_over_long_content_type_is_stored_cut_to_its_column(cast):
    raw = json.dumps(order_with()).encode()
    content_type = "application/json; " + "x=y; " * 100
    response = post_raw(cast, "/api/v1/orders/", raw, content_type=content_type)
    assert response.status_code == 201, response.content
    stored = Envelope.objects.get().content_type
    assert content_type.startswith(stored) and len(stored) == 100


def test_nul_in_the_address_is_a_400_not_a_database_error(cast):
    for path in ("/api/v1/orders/HUB%000001/", "/api/v1/ownership/?entity=or%00der"):
        response = APIClient().get(path, **cast.auth())
        assert response.status_code in (400, 404), (path, response.content)
        assert response.json()["error"]["code"]


def test_unknown_api_address_answers_the_error_body(cast):
    response = APIClient().get("/api/v1/nothing-here/", **cast.auth())
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_failure_inside_the_hub_keeps_the_payload_and_records_it(cast):
    def broken(envelope, trail):
        raise RuntimeError("a bug")

    with pytest.raises(HubError) as raised:
        envelope_receive(
            flow=flow_get(code="order-capture"),
            partner=System.objects.get(code="storefront"),
            idempotency_key="bug-1",
            raw=b'{"any": "thing"}',
            content_type="application/json",
            process=broken,
        )
    assert raised.value.status == 500 and isinstance(raised.value.__cause__, RuntimeError)
    envelope = Envelope.objects.get(idempotency_key="bug-1")
    assert (envelope.status, envelope.response_status) == (EnvelopeStatus.REJECTED, 500)
    assert bytes(envelope.raw) == b'{"any": "thing"}'
    assert TraceEvent.objects.get(envelope=envelope, stage="fail").outcome == "failed"


def test_the_same_key_after_an_internal_failure_is_processed_again(cast):
    partner, flow = System.objects.get(code="storefront"), flow_get(code="order-capture")
    kwargs = {"flow": flow, "partner": partner, "idempotency_key": "bug-2", "raw": b"{}"}

    def broken(envelope, trail):
        raise RuntimeError("a bug")

    with pytest.raises(HubError):
        envelope_receive(**kwargs, content_type="", process=broken)
    answer = envelope_receive(
        **kwargs, content_type="", process=lambda envelope, trail: IntakeAnswer(201, {"ok": True})
    )
    assert answer.body == {"ok": True}


def test_unplanned_exception_renders_the_error_body_and_logs_the_traceback(caplog):
    try:
        raise ZeroDivisionError("boom")
    except ZeroDivisionError as exc:
        with caplog.at_level(logging.ERROR, logger="apps.api"):
            response = api_exception_handler(exc, {"request": None})
    assert response.status_code == 500
    assert response.data["error"]["code"] == "internal_error"
    [record] = [r for r in caplog.records if r.name == "apps.api"]
    assert record.exc_info and record.exc_info[0] is ZeroDivisionError


def test_content_type_with_characters_no_database_takes_is_stored_cleaned(cast):
    raw = json.dumps(order_with()).encode()
    response = post_raw(cast, "/api/v1/orders/", raw, content_type="application/json\x00\ud800")
    assert response.status_code == 201, response.content
    assert Envelope.objects.get().content_type == "application/json\ufffd\ufffd"


@pytest.mark.parametrize("token", ["abc\x00def", "é" * 10, "x" * 500])
def test_malformed_token_is_a_401_not_a_database_error(cast, token):
    response = APIClient().get("/api/v1/ownership/", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"
