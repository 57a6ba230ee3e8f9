"""The sandbox ERP's injected failures, as the hub's deliver stage meets them over HTTP."""

import pytest
from django.db import IntegrityError, transaction

from apps.sandbox.models import SandboxReceipt
from apps.sandbox.services import erp_order_accept
from tests.conftest import payload

ERP_AUTH = {"HTTP_AUTHORIZATION": "Bearer sandbox-erp-token"}


def erp_order(client, key: str):
    return client.post(
        "/sandbox/erp/orders/",
        payload("order_storefront_cases.json"),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
        **ERP_AUTH,
    )


@pytest.mark.django_db
def test_injected_429_says_when_to_come_back_then_the_order_is_taken(client):
    spec = {"status": 429, "retry_after": 2, "count": 1}
    set_fault = client.post("/sandbox/erp/faults/", spec, content_type="application/json")
    assert set_fault.json()["faults"]["retry_after"] == 2

    refused = erp_order(client, "key-1")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "2"
    taken = erp_order(client, "key-1")
    assert taken.status_code == 201
    assert "Retry-After" not in taken


@pytest.mark.django_db
def test_injected_failure_without_retry_after_sends_no_header(client):
    client.post("/sandbox/erp/faults/", {"status": 503}, content_type="application/json")
    refused = erp_order(client, "key-2")
    assert refused.status_code == 503
    assert "Retry-After" not in refused


@pytest.mark.django_db
def test_retry_after_must_be_whole_seconds(client):
    spec = {"status": 429, "retry_after": "soon"}
    answer = client.post("/sandbox/erp/faults/", spec, content_type="application/json")
    assert answer.status_code == 400


@pytest.mark.django_db
def test_the_sandbox_erp_keeps_one_receipt_per_key_even_when_a_resend_overtakes():
    SandboxReceipt.objects.create(system="erp", path="orders/", idempotency_key="k-race")
    status, answer = erp_order_accept(key="k-race", body={"lines": []})
    assert (status, answer) == (409, {"error": "in progress"}), "the first is still in flight"
    assert SandboxReceipt.objects.filter(idempotency_key="k-race").count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        SandboxReceipt.objects.create(system="erp", path="orders/", idempotency_key="k-race")
