"""The deliver stage asks the target's gate, keeps each account's line in order and believes a
target's Retry-After; a held delivery never spends an attempt."""

import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from django.utils import timezone
from rest_framework.test import APIClient

from apps.connectors.rest.client import retry_after_seconds
from apps.exchange.models import Delivery, DeliveryStatus, Envelope, TraceEvent
from apps.exchange.services import delivery_attempt
from apps.flows.models import DegradedMode, Flow
from apps.systems.models import MaintenanceWindow, System
from integration_hub.celery import app as celery_app
from tests.conftest import payload
from tests.exchange.test_validation import receive

pytestmark = pytest.mark.django_db(transaction=True)


def erp_received(url: str) -> list:
    return requests.get(f"{url}/sandbox/erp/received/", timeout=10).json()["received"]


def test_delivery_inside_a_maintenance_window_is_held_without_an_attempt(live_cast):
    now = timezone.now()
    erp = System.objects.get(code="erp")
    MaintenanceWindow.objects.create(
        system=erp, reason="Patching", starts_at=now, ends_at=now + timedelta(minutes=30)
    )
    number = receive(live_cast, "order_storefront_cases.json")["number"]
    delivery = Delivery.objects.get(subject_key=number)
    assert delivery.attempts == 0 and delivery.status == DeliveryStatus.PENDING
    assert delivery.next_attempt_at >= now + timedelta(minutes=29)
    hold = TraceEvent.objects.get(subject_key=number, stage="hold")
    assert "Patching" in hold.message
    assert erp_received(live_cast.url) == []

    MaintenanceWindow.objects.all().update(ends_at=timezone.now())
    delivery_attempt(delivery_id=delivery.pk, now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 1)
    assert len(erp_received(live_cast.url)) == 1


def test_an_accounts_later_order_waits_for_the_one_ahead_of_it(cast):
    first = receive(cast, "order_storefront_cases.json", key="line-1")["number"]
    second = receive(cast, "order_storefront_cases.json", key="line-2", po_number="PO-SECOND")[
        "number"
    ]
    ahead = Delivery.objects.get(subject_key=first)
    behind = Delivery.objects.get(subject_key=second)
    assert ahead.status == DeliveryStatus.RETRYING  # outside systems unreachable in `cast`
    attempts_before = behind.attempts
    delivery_attempt(delivery_id=behind.pk, now=behind.next_attempt_at)
    behind.refresh_from_db()
    assert behind.attempts == attempts_before, "held behind the earlier order, no attempt spent"
    assert behind.next_attempt_at > ahead.next_attempt_at
    assert f"delivery {ahead.pk} ahead of it" in behind.last_error


class _TooManyRequests(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - the http.server API
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(429)
        self.send_header("Retry-After", "120")
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"error": "slow down"}')

    def log_message(self, *args):
        pass


@pytest.fixture
def busy_erp(cast):
    """A stand-in ERP on loopback that answers every order 429 with Retry-After: 120."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _TooManyRequests)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    System.objects.filter(code="erp").update(base_url=f"http://127.0.0.1:{server.server_port}/")
    yield
    server.shutdown()
    server.server_close()


def test_a_targets_retry_after_is_believed_over_the_backoff(cast, busy_erp):
    before = timezone.now()
    number = receive(cast, "order_storefront_cases.json")["number"]
    delivery = Delivery.objects.get(subject_key=number)
    assert delivery.status == DeliveryStatus.RETRYING
    assert delivery.next_attempt_at >= before + timedelta(seconds=120)
    assert "429" in delivery.last_error


def test_retry_after_as_seconds_or_an_http_date_is_understood():
    later = timezone.now() + timedelta(seconds=90)
    assert 85 <= retry_after_seconds(later.strftime("%a, %d %b %Y %H:%M:%S GMT")) <= 92
    assert retry_after_seconds("30") == 30
    assert retry_after_seconds("") is None and retry_after_seconds("soon") is None


def test_a_blocking_flow_refuses_new_orders_while_its_target_is_down_and_keeps_them(cast):
    now = timezone.now()
    Flow.objects.filter(code="order-capture").update(degraded_mode=DegradedMode.BLOCK)
    MaintenanceWindow.objects.create(
        system=System.objects.get(code="erp"),
        reason="Upgrade",
        starts_at=now,
        ends_at=now + timedelta(minutes=10),
    )
    response = APIClient().post(
        "/api/v1/orders/",
        payload("order_storefront_cases.json"),
        format="json",
        HTTP_IDEMPOTENCY_KEY="blocked-1",
        **cast.auth(),
    )
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "target_unavailable"
    assert "Upgrade" in response.json()["error"]["message"]
    assert 500 <= int(response["Retry-After"]) <= 600
    assert Envelope.objects.get(idempotency_key="blocked-1").error_code == "target_unavailable"
    assert not Delivery.objects.exists()


def test_a_holding_flow_takes_orders_and_holds_their_delivery(cast):
    now = timezone.now()
    Flow.objects.filter(code="order-capture").update(degraded_mode=DegradedMode.HOLD)
    MaintenanceWindow.objects.create(
        system=System.objects.get(code="erp"),
        reason="Upgrade",
        starts_at=now,
        ends_at=now + timedelta(minutes=10),
    )
    number = receive(cast, "order_storefront_cases.json")["number"]
    delivery = Delivery.objects.get(subject_key=number)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 0)


def test_when_the_one_ahead_is_delivered_the_line_behind_it_goes_at_once(live_cast):
    requests.post(
        f"{live_cast.url}/sandbox/erp/faults/", json={"status": 503, "count": 1}, timeout=10
    )
    first = receive(live_cast, "order_storefront_cases.json", key="run-1")["number"]
    second = receive(live_cast, "order_storefront_cases.json", key="run-2", po_number="PO-RUN-2")[
        "number"
    ]
    ahead = Delivery.objects.get(subject_key=first)
    behind = Delivery.objects.get(subject_key=second)
    assert (ahead.status, behind.status) == (DeliveryStatus.RETRYING, DeliveryStatus.PENDING)
    delivery_attempt(delivery_id=ahead.pk, now=ahead.next_attempt_at)
    statuses = dict(
        Delivery.objects.filter(pk__in=[ahead.pk, behind.pk]).values_list("pk", "status")
    )
    assert statuses == {ahead.pk: "delivered", behind.pk: "delivered"}
    received = [r["body"]["hub_order_number"] for r in erp_received(live_cast.url)]
    assert received == [first, second], "one account's orders reach the ERP in order"


def test_an_order_taken_while_the_broker_is_down_is_still_a_201(live_cast, settings):
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = "redis://127.0.0.1:9/0"
    try:
        response = APIClient().post(
            "/api/v1/orders/",
            payload("order_storefront_cases.json"),
            format="json",
            HTTP_IDEMPOTENCY_KEY="broker-down",
            **live_cast.auth(),
        )
    finally:
        celery_app.conf.task_always_eager = True
        celery_app.conf.broker_url = settings.CELERY_BROKER_URL
    assert response.status_code == 201, response.content
    delivery = Delivery.objects.get(subject_key=response.json()["number"])
    assert delivery.status == DeliveryStatus.PENDING, "the outbox row waits for the sweep"
