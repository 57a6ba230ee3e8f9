import pytest
from rest_framework.test import APIClient

from apps.exchange.models import Envelope, EnvelopeStatus
from apps.orders.models import Order
from tests.conftest import payload

pytestmark = pytest.mark.django_db


def post(cast, body, key="key-1", raw=None, **headers):
    client = APIClient()
    data = raw if raw is not None else body
    kwargs = {"format": "json"} if raw is None else {"content_type": "application/json"}
    return client.post(
        "/api/v1/orders/", data, HTTP_IDEMPOTENCY_KEY=key, **cast.auth(), **headers, **kwargs
    )


def test_order_accepted_with_storefront_case_mapped_to_canonical_units(cast):
    response = post(cast, payload("order_storefront_cases.json"))
    assert response.status_code == 201, response.content
    first = response.json()["lines"][0]
    assert (first["quantity"], first["uom"], first["unit_price"]) == ("120.0000", "EA", "0.3500")
    assert Order.objects.count() == 1


def test_repeat_with_same_key_and_body_answers_the_same_and_places_one_order(cast):
    first = post(cast, payload("order_storefront_cases.json"))
    again = post(cast, payload("order_storefront_cases.json"))
    assert again.status_code == 201
    assert again.json() == first.json()
    assert Order.objects.count() == 1


def test_same_key_with_another_body_is_409(cast):
    post(cast, payload("order_storefront_cases.json"))
    other = payload("order_storefront_cases.json") | {"po_number": "PO-OTHER"}
    response = post(cast, other)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert Order.objects.count() == 1


def test_missing_token_is_401_with_error_body(cast):
    response = APIClient().post(
        "/api/v1/orders/",
        payload("order_storefront_cases.json"),
        format="json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_bad_token_is_401(cast):
    response = APIClient().post(
        "/api/v1/orders/",
        payload("order_storefront_cases.json"),
        format="json",
        HTTP_IDEMPOTENCY_KEY="k",
        HTTP_AUTHORIZATION="Token not-a-real-token",
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"
    assert Envelope.objects.count() == 0


def test_malformed_json_is_400_and_the_raw_bytes_are_kept(cast):
    response = post(cast, None, raw=b'{"account": "NW-1001", lines: [}')
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "malformed_json"
    envelope = Envelope.objects.get()
    assert envelope.status == EnvelopeStatus.REJECTED
    assert bytes(envelope.raw) == b'{"account": "NW-1001", lines: [}'


def test_schema_violation_names_each_field(cast):
    body = payload("order_storefront_cases.json")
    body["lines"][0]["quantity"] = "ten"
    del body["currency"]
    response = post(cast, body)
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert "lines.0.quantity" in fields and "body" in fields


def test_rejected_order_frees_its_key_for_the_corrected_body(cast):
    body = payload("order_storefront_cases.json")
    assert post(cast, body | {"currency": "usd"}).status_code == 400
    assert post(cast, body).status_code == 201


def test_missing_idempotency_key_is_400(cast):
    response = APIClient().post(
        "/api/v1/orders/", payload("order_storefront_cases.json"), format="json", **cast.auth()
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "idempotency_key_required"


def test_account_not_entitled_to_partner_is_400(cast):
    body = payload("order_storefront_cases.json") | {"account": "CT-2001"}
    response = post(cast, body)
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"account": ["Not an account you may order for."]}


def test_unit_without_conversion_is_400_naming_the_line(cast):
    body = payload("order_storefront_cases.json")
    body["lines"][1]["uom"] = "PAL"
    response = post(cast, body)
    assert response.status_code == 400
    assert "PAL" in response.json()["error"]["fields"]["lines.1"][0]


def test_partner_reads_back_its_order(cast):
    number = post(cast, payload("order_storefront_cases.json")).json()["number"]
    response = APIClient().get(f"/api/v1/orders/{number}/", **cast.auth())
    assert response.status_code == 200
    assert response.json()["number"] == number


def test_unknown_order_is_404_with_error_body(cast):
    response = APIClient().get("/api/v1/orders/HUB-404/", **cast.auth())
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_oversized_body_is_413_with_error_body(cast, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = settings.HUB_MAX_REQUEST_BYTES = 1000
    body = payload("order_storefront_cases.json") | {"po_number": "x" * 50}
    body["lines"] = body["lines"] * 20
    response = post(cast, body)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
