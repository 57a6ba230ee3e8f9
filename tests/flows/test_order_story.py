"""The order story over real HTTP: storefront → hub → sandbox ERP, tasks run in process."""

from datetime import timedelta

import requests
from django.core import mail

from apps.exchange.models import Delivery, DeliveryStatus, TraceEvent
from apps.exchange.services import delivery_attempt, replay_approve
from apps.operations.models import Alert
from apps.operations.tasks import evaluate_alerts
from apps.orders.models import Order, OrderStatus
from apps.quarantine.models import QuarantineItem
from apps.quarantine.services import quarantine_accept_owner_prices, quarantine_submit_correction
from apps.sandbox.storefront import storefront_place_order
from tests.conftest import payload


def place(cast, name: str, key: str | None = None) -> dict:
    response = storefront_place_order(
        hub_url=cast.url, token=cast.token, order=payload(name), idempotency_key=key
    )
    assert response.status_code == 201, response.text
    return response.json()


def erp_received(cast) -> list:
    return requests.get(f"{cast.url}/sandbox/erp/received/", timeout=10).json()["received"]


def fault(cast, **spec) -> None:
    requests.post(f"{cast.url}/sandbox/erp/faults/", json=spec, timeout=10).raise_for_status()


def test_happy_path_order_reaches_erp_with_its_reference(live_cast):
    number = place(live_cast, "order_storefront_cases.json")["number"]
    order = Order.objects.get(number=number)
    assert order.status == OrderStatus.SUBMITTED
    [received] = erp_received(live_cast)
    assert order.external_ref == received["answer"]["order_number"]
    bolt = received["body"]["lines"][0]
    assert (bolt["quantity"], bolt["uom"], bolt["unit_price"]) == ("120", "EA", "0.3500")
    assert order.history.count() >= 2  # created, then submitted


def test_503_is_retried_with_backoff_and_erp_sees_one_order(live_cast):
    fault(live_cast, status=503, count=1)
    number = place(live_cast, "order_storefront_cases.json")["number"]
    delivery = Delivery.objects.get(subject_key=number)
    assert delivery.status == DeliveryStatus.RETRYING
    first_attempt = delivery.attempt_log.get().started_at
    assert first_attempt + timedelta(seconds=0.5) <= delivery.next_attempt_at
    assert delivery_attempt(delivery_id=delivery.pk) is None  # not due yet: nothing happens
    delivery_attempt(delivery_id=delivery.pk, now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 2
    assert delivery_attempt(delivery_id=delivery.pk, now=delivery.next_attempt_at) is None
    received = [
        r for r in erp_received(live_cast) if r["idempotency_key"] == delivery.idempotency_key
    ]
    assert len(received) == 1
    assert Order.objects.get(number=number).external_ref == received[0]["answer"]["order_number"]


def test_erp_refusal_becomes_a_dead_letter_for_the_flow_owner_and_replays(live_cast):
    fault(live_cast, reject_sku="ACME-BOLT-M8")
    number = place(live_cast, "order_storefront_cases.json")["number"]
    delivery = Delivery.objects.get(subject_key=number)
    assert delivery.status == DeliveryStatus.DEAD and delivery.attempts == 1
    item = QuarantineItem.objects.get(subject_key=number, reason_code="delivery_failed")
    assert item.assigned_owner.user.username == "orderdesk"
    requests.delete(f"{live_cast.url}/sandbox/erp/faults/", timeout=10)
    item = quarantine_submit_correction(
        item=item,
        corrected_payload=item.payload,
        actor=live_cast.user("orderdesk"),
        note="SKU unblocked",
    )
    replay_approve(item=item, actor=live_cast.user("approver"))
    assert Order.objects.get(number=number).status == OrderStatus.SUBMITTED


def test_price_mismatch_is_quarantined_alerted_fixed_and_approved(live_cast):
    answer = place(live_cast, "order_price_mismatch.json")
    assert answer["status"] == OrderStatus.QUARANTINED
    item = QuarantineItem.objects.get(subject_key=answer["number"])
    assert item.reason_code == "price_mismatch"
    assert item.assigned_owner.user.username == "pricing"
    assert item.problems[0]["authorised_unit_price"] == "0.3500"
    assert erp_received(live_cast) == []

    # Raised on commit of the item (apps/monitoring/hooks.py); the beat's poll is the safety
    # net and finds nothing left to raise.
    assert evaluate_alerts.delay().get() == 0
    alert = Alert.objects.get(quarantine_item=item)
    assert "Priya Pricing" in alert.message
    assert alert.runbook_url.endswith("/ops/flows/order-capture/runbook/")
    assert mail.outbox[0].to[0] == "priya@example.com"

    item = quarantine_accept_owner_prices(item=item, actor=live_cast.user("pricing"))
    replay_approve(item=item, actor=live_cast.user("approver"))
    order = Order.objects.get(number=answer["number"])
    assert order.status == OrderStatus.SUBMITTED
    assert str(order.lines.get().unit_price) == "0.3500"
    [received] = erp_received(live_cast)
    assert received["body"]["lines"][0]["unit_price"] == "0.3500"
    stages = [e.stage for e in TraceEvent.objects.filter(subject_key=order.number)]
    assert stages[-4:] == ["approve", "replay", "route", "deliver"]


def test_every_step_is_on_the_order_trace(live_cast):
    fault(live_cast, status=503, count=1)
    number = place(live_cast, "order_storefront_cases.json")["number"]
    delivery = Delivery.objects.get(subject_key=number)
    delivery_attempt(delivery_id=delivery.pk, now=delivery.next_attempt_at)
    stages = list(TraceEvent.objects.filter(subject_key=number).values_list("stage", "outcome"))
    assert stages == [
        ("receive", "ok"),
        ("map", "ok"),
        ("validate", "ok"),
        ("route", "ok"),
        ("deliver", "failed"),
        ("deliver", "ok"),
    ]
    mapped = TraceEvent.objects.get(subject_key=number, stage="map")
    assert mapped.data["mapping_version"] == "1"
