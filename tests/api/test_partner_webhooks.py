"""Order events reach the partner signed the Standard Webhooks way, through the outbox."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from apps.api.credentials import partner_webhook_configure, partner_webhook_rotate
from apps.exchange.handlers.partner_webhooks import WEBHOOK_FLOW, partner_webhooks_emit
from apps.exchange.models import Delivery, DeliveryStatus, TraceEvent
from apps.exchange.services import delivery_attempt
from apps.orders.models import OrderStatus
from apps.systems.models import System
from tests.api.partner_world import (
    CONTOSO_ORDER,
    Receiver,
    client_for,
    marketplace,
    order_post,
    order_to,
)

pytestmark = pytest.mark.django_db


def configured(url: str):
    storefront = System.objects.get(code="storefront")
    hook, secret = partner_webhook_configure(system=storefront, url=url)
    return hook, secret


def webhook_deliveries():
    return Delivery.objects.filter(flow__code=WEBHOOK_FLOW).order_by("pk")


def test_acknowledged_order_reaches_the_partner_signed(cast):
    with Receiver() as receiver:
        _, secret = configured(receiver.url)
        number = order_post(client_for(cast.token), "wh-1")["number"]
        order_to(number, OrderStatus.ACKNOWLEDGED)

        assert partner_webhooks_emit() == 1
        delivery = webhook_deliveries().get()
        delivery_attempt(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    call = receiver.calls[0]
    event = Webhook(secret).verify(call["body"], call["headers"])
    assert event["type"] == "order.acknowledged"
    assert event["data"]["order"] == number and event["data"]["account"] == "NW-1001"
    assert call["headers"]["webhook-id"] == delivery.idempotency_key
    assert TraceEvent.objects.filter(subject_key=number, delivery=delivery).exists()


def test_a_forged_or_foreign_signature_does_not_verify(cast):
    with Receiver() as receiver:
        configured(receiver.url)
        number = order_post(client_for(cast.token), "wh-2")["number"]
        order_to(number, OrderStatus.REJECTED)
        partner_webhooks_emit()
        delivery_attempt(delivery_id=webhook_deliveries().get().pk)
    call = receiver.calls[0]
    other = "whsec_" + "A" * 43 + "="
    with pytest.raises(WebhookVerificationError):
        Webhook(other).verify(call["body"], call["headers"])


def test_each_status_is_one_event_however_often_the_history_is_read(cast):
    with Receiver() as receiver:
        configured(receiver.url)
        number = order_post(client_for(cast.token), "wh-3")["number"]
        order_to(number, OrderStatus.ACKNOWLEDGED)
        assert partner_webhooks_emit() == 1
        assert partner_webhooks_emit() == 0
        order_to(number, OrderStatus.SHIPPED)
        order_to(number, OrderStatus.INVOICED)
        assert partner_webhooks_emit() == 2
    types = [delivery.payload["type"] for delivery in webhook_deliveries()]
    assert types == ["order.acknowledged", "order.shipped", "order.invoiced"]


def test_statuses_partners_do_not_hear_of_make_no_event(cast):
    with Receiver() as receiver:
        configured(receiver.url)
        number = order_post(client_for(cast.token), "wh-4")["number"]
        order_to(number, OrderStatus.SUBMITTED)
        assert partner_webhooks_emit() == 0


def test_another_partners_orders_never_reach_this_partners_endpoint(cast):
    system, token = marketplace()
    with Receiver() as receiver:
        configured(receiver.url)
        theirs = order_post(client_for(token), "wh-5", **CONTOSO_ORDER)
        order_to(theirs["number"], OrderStatus.ACKNOWLEDGED)
        assert partner_webhooks_emit() == 0  # the marketplace has no endpoint
    assert not webhook_deliveries().exists()


def test_a_failing_endpoint_is_retried_with_the_same_webhook_id(cast):
    with Receiver(statuses=[503, 204]) as receiver:
        _, secret = configured(receiver.url)
        number = order_post(client_for(cast.token), "wh-6")["number"]
        order_to(number, OrderStatus.ACKNOWLEDGED)
        partner_webhooks_emit()
        delivery = webhook_deliveries().get()
        delivery_attempt(delivery_id=delivery.pk)
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.RETRYING
        delivery_attempt(delivery_id=delivery.pk, now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 2
    first, second = receiver.calls
    assert first["headers"]["webhook-id"] == second["headers"]["webhook-id"]
    Webhook(secret).verify(second["body"], second["headers"])


def test_a_rotated_secret_signs_alongside_the_old_one_for_a_while(cast):
    with Receiver() as receiver:
        hook, old = configured(receiver.url)
        new = partner_webhook_rotate(hook=hook)
        number = order_post(client_for(cast.token), "wh-7")["number"]
        order_to(number, OrderStatus.ACKNOWLEDGED)
        partner_webhooks_emit()
        delivery_attempt(delivery_id=webhook_deliveries().get().pk)
    call = receiver.calls[0]
    Webhook(old).verify(call["body"], call["headers"])
    Webhook(new).verify(call["body"], call["headers"])
    assert len(call["headers"]["webhook-signature"].split(" ")) == 2


def test_the_partner_reads_its_delivery_log_and_replays_a_range(cast):
    with Receiver() as receiver:
        _, secret = configured(receiver.url)
        api = client_for(cast.token)
        number = order_post(api, "wh-8")["number"]
        order_to(number, OrderStatus.ACKNOWLEDGED)
        partner_webhooks_emit()
        original = webhook_deliveries().get()
        delivery_attempt(delivery_id=original.pk)

        log = api.get("/api/v1/webhooks/deliveries/").json()
        assert log["count"] == 1
        assert log["results"][0]["webhook_id"] == original.idempotency_key
        assert log["results"][0]["status"] == "delivered"

        now = timezone.now()
        window = {"since": (now - timedelta(hours=1)).isoformat(), "until": now.isoformat()}
        window["until"] = (now + timedelta(minutes=1)).isoformat()
        replay = api.post("/api/v1/webhooks/replay/", window, format="json")
        assert replay.status_code == 202, replay.content
        assert replay.json()["queued"] == 1
        copy = webhook_deliveries().exclude(pk=original.pk).get()
        delivery_attempt(delivery_id=copy.pk)
    resent = receiver.calls[1]
    assert Webhook(secret).verify(resent["body"], resent["headers"]) == original.payload
    assert resent["headers"]["webhook-id"] != original.idempotency_key


def test_replay_refuses_a_backwards_range_and_a_partner_without_endpoint(cast):
    api = client_for(cast.token)
    now = timezone.now()
    backwards = {"since": now.isoformat(), "until": (now - timedelta(hours=1)).isoformat()}
    answer = api.post("/api/v1/webhooks/replay/", backwards, format="json")
    assert answer.status_code == 400 and "since" in answer.json()["error"]["fields"]
    forwards = {"since": (now - timedelta(hours=1)).isoformat(), "until": now.isoformat()}
    answer = api.post("/api/v1/webhooks/replay/", forwards, format="json")
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "webhook_not_configured"


def test_the_delivery_log_shows_only_the_callers_own_events(cast):
    system, token = marketplace()
    with Receiver() as receiver:
        configured(receiver.url)
        number = order_post(client_for(cast.token), "wh-9")["number"]
        order_to(number, OrderStatus.ACKNOWLEDGED)
        partner_webhooks_emit()
    theirs = client_for(token).get("/api/v1/webhooks/deliveries/")
    assert theirs.status_code == 200 and theirs.json()["count"] == 0
    assert number not in json.dumps(theirs.json())


def test_a_replay_never_resends_another_partners_events(cast):
    system, token = marketplace()
    with Receiver() as receiver:
        configured(receiver.url)
        partner_webhook_configure(system=system, url=receiver.url)
        number = order_post(client_for(cast.token), "wh-10")["number"]
        order_to(number, OrderStatus.ACKNOWLEDGED)
        partner_webhooks_emit()
    now = timezone.now()
    window = {
        "since": (now - timedelta(hours=1)).isoformat(),
        "until": (now + timedelta(minutes=1)).isoformat(),
    }
    answer = client_for(token).post("/api/v1/webhooks/replay/", window, format="json")
    assert answer.status_code == 202 and answer.json()["queued"] == 0
