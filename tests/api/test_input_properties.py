"""Property: whatever a partner posts, the answer is never a 5xx, always the documented error
body, and the payload is kept exactly as received.

Generated bodies mix the order and record shapes with hostile values: NUL and unpaired
surrogates, huge and non-finite numbers, deep nesting, arbitrary bytes, odd headers. The run is
derandomised so CI is repeatable; HUB_PROPERTY_EXAMPLES raises the count for a longer hunt.
"""

import json
import os

import pytest
from django.core.cache import cache
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.api.services import partner_token_issue
from apps.exchange.models import Envelope
from apps.ownership.registry import ENTITIES
from tests.conftest import payload

pytestmark = pytest.mark.django_db
EXAMPLES = int(os.environ.get("HUB_PROPERTY_EXAMPLES", "120"))
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

hostile_text = st.one_of(
    st.text(max_size=30),
    st.text(st.sampled_from(["\x00", "\ud800", "\udfff", "a", "[", "{", "\\", '"', "é", " "])),
    st.sampled_from(["NW-1001", "ACME-BOLT-M8", "CS", "EA", "USD", "X" * 300]),
)
numbers = st.one_of(
    st.integers(min_value=-(10**60), max_value=10**60),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["1", "0", "-1", "9999999999.9999", "1e999", "0.00001", "12"]),
)
json_values = st.recursive(
    st.none() | st.booleans() | numbers | hostile_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(hostile_text, inner, max_size=3),
    max_leaves=12,
)


def _order_like(account, currency, po_number, line):
    order = payload("order_storefront_cases.json")
    order.update(account=account, currency=currency, po_number=po_number)
    order["lines"] = [order["lines"][0] | line]
    return order


line_changes = st.dictionaries(
    st.sampled_from(["sku", "quantity", "uom", "unit_price", "blanket", "ship_to"]),
    json_values,
    max_size=3,
)
orders = st.builds(
    _order_like,
    st.one_of(st.just("NW-1001"), json_values),
    st.one_of(st.just("USD"), hostile_text),
    st.one_of(st.just("PO-1"), json_values),
    line_changes,
)


@st.composite
def records(draw):
    entity = draw(st.sampled_from([*sorted(ENTITIES), "spaceship"]))
    spec = ENTITIES.get(entity)
    names = list(spec.key + spec.fields) if spec else ["id"]
    key = draw(st.dictionaries(st.sampled_from(names), json_values, max_size=3))
    fields = draw(st.dictionaries(st.sampled_from(names), json_values, max_size=3))
    document = draw(st.sampled_from([{"key": key, "fields": fields}, key, [key]]))
    return entity, document


def encoded(document) -> bytes:
    return json.dumps(document, default=str).encode()


nesting = st.integers(min_value=1, max_value=3000).map(lambda n: b"[" * n + b"]" * n)
raw_bodies = st.one_of(st.binary(max_size=80), nesting)
idempotency_keys = st.one_of(st.uuids().map(str), st.text(max_size=260), st.just(""))
content_types = st.one_of(st.just("application/json"), st.text(max_size=200))


@pytest.fixture(scope="module")
def documented():
    """Status codes the OpenAPI schema documents, per (path template, method)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        (path, method): {int(code) for code in operation["responses"]}
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    }


@pytest.fixture
def tokens(cast):
    return {code: partner_token_issue(partner_code=code) for code in ("storefront", "erp", "pim")}


def check_answer(response, raw: bytes, allowed: set[int]):
    assert response.status_code < 500, response.content
    assert response.status_code in allowed, (response.status_code, response.content)
    if response.status_code >= 400:
        error = response.json()["error"]
        assert set(error) == {"code", "message", "fields"} and error["message"]
    kept = Envelope.objects.order_by("-pk").first()
    assert kept is not None and bytes(kept.raw) == raw, "the payload is kept as received"


def post(token: str, path: str, raw: bytes, key: str, content_type: str):
    cache.clear()  # the property is about input, not the partner's rate limit
    # Django's client sends the bytes exactly as given, whatever the content type says.
    return Client().post(
        path,
        raw,
        content_type=content_type,
        HTTP_AUTHORIZATION=f"Token {token}",
        HTTP_IDEMPOTENCY_KEY=key,
    )


@PROPERTY
@given(
    body=st.one_of(orders.map(encoded), json_values.map(encoded), raw_bodies),
    key=idempotency_keys,
    content_type=content_types,
)
def test_order_endpoint_never_fails_and_keeps_every_payload(
    tokens, documented, body, key, content_type
):
    response = post(tokens["storefront"], "/api/v1/orders/", body, key, content_type)
    check_answer(response, body, documented[("/api/v1/orders/", "post")])


@PROPERTY
@given(
    record=records(),
    writer=st.sampled_from(["storefront", "erp", "pim"]),
    key=idempotency_keys,
    bytes_instead=st.one_of(st.none(), raw_bodies),
)
def test_record_endpoint_never_fails_and_keeps_every_payload(
    tokens, documented, record, writer, key, bytes_instead
):
    entity, document = record
    body = bytes_instead if bytes_instead is not None else encoded(document)
    response = post(tokens[writer], f"/api/v1/records/{entity}/", body, key, "application/json")
    check_answer(response, body, documented[("/api/v1/records/{entity}/", "post")])
