"""The same body from the same partner under a new key is a resend, not a second order."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.exchange.models import Envelope, TraceEvent
from apps.flows.models import Flow
from apps.orders.models import Order
from tests.conftest import payload

pytestmark = pytest.mark.django_db


def post(cast, key: str, **changes):
    return APIClient().post(
        "/api/v1/orders/",
        payload("order_storefront_cases.json") | changes,
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
        **cast.auth(),
    )


def test_resend_under_a_new_key_gets_the_first_answer_and_no_second_order(cast):
    first = post(cast, "first-key")
    resend = post(cast, "regenerated-key")
    assert resend.status_code == 201 and resend.json() == first.json()
    assert Order.objects.count() == 1
    kept = Envelope.objects.get(idempotency_key="regenerated-key")
    assert kept.duplicate_of == Envelope.objects.get(idempotency_key="first-key")
    number = first.json()["number"]
    note = TraceEvent.objects.get(subject_type="order", subject_key=number, stage="duplicate")
    assert "regenerated-key" in note.message and note.envelope == kept
    assert post(cast, "regenerated-key").json() == first.json(), "its own key repeats too"


def test_another_body_under_a_new_key_is_a_new_order(cast):
    post(cast, "k-a")
    assert post(cast, "k-b", po_number="PO-OTHER").status_code == 201
    assert Order.objects.count() == 2


def test_a_resend_after_the_window_is_a_new_order(cast, settings):
    settings.HUB_DUPLICATE_WINDOW_SECONDS = 60
    post(cast, "old-key")
    Envelope.objects.filter(idempotency_key="old-key").update(
        created_at=timezone.now() - timedelta(seconds=61)
    )
    assert post(cast, "new-key").status_code == 201
    assert Order.objects.count() == 2


def test_recognition_can_be_turned_off(cast, settings):
    settings.HUB_DUPLICATE_WINDOW_SECONDS = 0
    post(cast, "k-1")
    post(cast, "k-2")
    assert Order.objects.count() == 2


def test_a_rejected_first_body_is_no_reason_to_refuse_a_resend(cast):
    Flow.objects.filter(code="order-capture").update(is_active=False)
    assert post(cast, "while-off").status_code == 409
    Flow.objects.filter(code="order-capture").update(is_active=True)
    assert post(cast, "when-on").status_code == 201
    assert Order.objects.count() == 1
