"""An idempotency key whose request died mid-way is taken over once its lease lapses."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.core.errors import Conflict
from apps.core.hashing import canonical_json_hash
from apps.exchange.models import Envelope, EnvelopeStatus, TraceEvent
from apps.exchange.services import IntakeAnswer, envelope_receive
from apps.flows.selectors import flow_get
from apps.orders.models import Order
from apps.systems.models import System
from tests.conftest import payload

pytestmark = pytest.mark.django_db
KEY = "lease-1"


def stuck_envelope(*, lease_left: timedelta) -> Envelope:
    """What a process killed mid-request leaves behind: stored, processing, leased."""
    body = payload("order_storefront_cases.json")
    return Envelope.objects.create(
        partner=System.objects.get(code="storefront"),
        flow=flow_get(code="order-capture"),
        idempotency_key=KEY,
        body_hash=canonical_json_hash(body),
        raw=json.dumps(body).encode(),
        content_type="application/json",
        lease_token="dead-process",
        lease_expires_at=timezone.now() + lease_left,
    )


def retry(cast, body=None):
    return APIClient().post(
        "/api/v1/orders/",
        body or payload("order_storefront_cases.json"),
        format="json",
        HTTP_IDEMPOTENCY_KEY=KEY,
        **cast.auth(),
    )


def test_retry_inside_the_lease_answers_409_with_retry_after(cast):
    stuck_envelope(lease_left=timedelta(seconds=42))
    response = retry(cast)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_in_progress"
    assert 1 <= int(response["Retry-After"]) <= 42
    assert not Order.objects.exists()
    kept = Envelope.objects.get(status=EnvelopeStatus.REJECTED)
    assert (kept.error_code, kept.response_status) == ("idempotency_key_in_progress", 409)


def test_retry_after_the_lease_takes_the_work_over_and_makes_the_order(cast):
    envelope = stuck_envelope(lease_left=timedelta(seconds=-1))
    response = retry(cast)
    assert response.status_code == 201, response.content
    assert Order.objects.count() == 1
    envelope.refresh_from_db()
    assert envelope.status == EnvelopeStatus.ACCEPTED
    assert envelope.response_body["number"] == response.json()["number"]
    assert TraceEvent.objects.filter(envelope=envelope, stage="takeover").exists()
    assert retry(cast).json() == response.json(), "later repeats get the same answer"
    assert Order.objects.count() == 1


def test_a_lapsed_lease_is_taken_over_only_once(cast):
    envelope = stuck_envelope(lease_left=timedelta(seconds=-1))
    partner, flow = envelope.partner, envelope.flow
    seen = []

    def second_retry_arrives(taken, trail):
        # While the first taker works, a second retry with the same key must not start.
        try:
            envelope_receive(
                flow=flow,
                partner=partner,
                idempotency_key=KEY,
                raw=bytes(envelope.raw),
                content_type="",
                process=lambda e, trail: IntakeAnswer(201, {"second": True}),
            )
        except Conflict as exc:
            seen.append(exc.code)
        return IntakeAnswer(201, {"first": True})

    answer = envelope_receive(
        flow=flow,
        partner=partner,
        idempotency_key=KEY,
        raw=bytes(envelope.raw),
        content_type="",
        process=second_retry_arrives,
    )
    assert answer.body == {"first": True}
    assert seen == ["idempotency_key_in_progress"]


def test_work_of_a_request_that_lost_its_lease_is_rolled_back(cast):
    envelope = stuck_envelope(lease_left=timedelta(seconds=-1))

    def slow_original(taken, trail):
        trace_count = TraceEvent.objects.count()
        TraceEvent.objects.create(
            subject_type="probe", subject_key="x", stage="work", outcome="ok", message="work"
        )
        # Meanwhile another retry took the envelope over (its lease lapsed while we worked).
        Envelope.objects.filter(pk=taken.pk).update(lease_token="someone-else")
        assert TraceEvent.objects.count() == trace_count + 1
        return IntakeAnswer(201, {"applied": True})

    with pytest.raises(Conflict):
        envelope_receive(
            flow=envelope.flow,
            partner=envelope.partner,
            idempotency_key=KEY,
            raw=bytes(envelope.raw),
            content_type="",
            process=slow_original,
        )
    assert not TraceEvent.objects.filter(subject_type="probe").exists()
    assert Envelope.objects.get(pk=envelope.pk).status == EnvelopeStatus.PROCESSING


def test_retry_with_another_body_is_409_even_when_the_lease_lapsed(cast):
    stuck_envelope(lease_left=timedelta(seconds=-1))
    response = retry(cast, payload("order_storefront_cases.json") | {"po_number": "OTHER"})
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert not Order.objects.exists()
