"""Partner webhooks are queued as a status change commits; the beat's emitter is a safety net,
and between them each (order, status) is one event."""

import pytest
from django.db import transaction
from standardwebhooks.webhooks import Webhook

from apps.exchange.handlers.partner_webhooks import events, partner_webhooks_emit
from apps.exchange.models import TraceEvent
from apps.fulfillment.services import invoice_upsert, shipment_upsert
from apps.orders.models import Order, OrderStatus
from apps.orders.services import order_upsert
from tests.api.partner_world import (
    CONTOSO_ORDER,
    Receiver,
    client_for,
    marketplace,
    order_post,
    order_to,
)
from tests.api.test_partner_webhooks import configured, webhook_deliveries

pytestmark = pytest.mark.django_db


def test_a_status_change_is_one_event_at_commit_even_when_the_safety_net_runs_too(
    cast, django_capture_on_commit_callbacks
):
    with Receiver() as receiver:
        _, secret = configured(receiver.url)
        number = order_post(client_for(cast.token), "oc-1")["number"]
        with django_capture_on_commit_callbacks(execute=True):
            order_to(number, OrderStatus.ACKNOWLEDGED)
        # Queued and (the test's Celery runs tasks at once) delivered at commit, no beat run.
        delivery = webhook_deliveries().get()
        assert delivery.status == "delivered" and len(receiver.calls) == 1
        assert partner_webhooks_emit() == 0
        assert partner_webhooks_emit() == 0
    assert webhook_deliveries().count() == 1
    event = Webhook(secret).verify(receiver.calls[0]["body"], receiver.calls[0]["headers"])
    assert event["type"] == "order.acknowledged" and event["data"]["order"] == number
    assert TraceEvent.objects.filter(delivery=delivery, stage="route").count() == 1


def test_when_the_safety_net_ran_first_the_commit_hook_adds_nothing(
    cast, django_capture_on_commit_callbacks
):
    configured("http://127.0.0.1:9/hooks")
    number = order_post(client_for(cast.token), "oc-2")["number"]
    with django_capture_on_commit_callbacks() as hooks:
        order_to(number, OrderStatus.REJECTED)
    assert partner_webhooks_emit() == 1  # as if the hook's worker had not run yet
    for hook in hooks:
        hook()
    assert [d.payload["type"] for d in webhook_deliveries()] == ["order.rejected"]


def test_a_hook_and_a_net_racing_for_one_event_leave_one(
    cast, django_capture_on_commit_callbacks, monkeypatch
):
    configured("http://127.0.0.1:9/hooks")
    number = order_post(client_for(cast.token), "oc-3")["number"]
    with django_capture_on_commit_callbacks() as hooks:
        order_to(number, OrderStatus.ACKNOWLEDGED)
    assert partner_webhooks_emit() == 1
    order_to(number, OrderStatus.SHIPPED)  # its hook never runs: the net's to queue
    # Each looked before the other inserted: the unique webhook-id decides, without an error.
    monkeypatch.setattr(events, "_sent", lambda keys: set())
    [hook] = hooks
    hook()
    assert webhook_deliveries().count() == 1
    # The net's insert of both collides on the first; it keeps the second, which is new.
    assert partner_webhooks_emit() == 1
    assert partner_webhooks_emit() == 0
    assert [d.payload["type"] for d in webhook_deliveries()] == [
        "order.acknowledged",
        "order.shipped",
    ]


def test_a_rolled_back_change_sends_nothing(cast, django_capture_on_commit_callbacks):
    configured("http://127.0.0.1:9/hooks")
    number = order_post(client_for(cast.token), "oc-4")["number"]
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        order_to(number, OrderStatus.ACKNOWLEDGED)
        raise RuntimeError("the caller failed after the change")
    assert Order.objects.get(number=number).status == OrderStatus.RECEIVED
    assert not webhook_deliveries().exists()


def test_statuses_partners_do_not_hear_of_and_partners_without_endpoint_queue_nothing(
    cast, django_capture_on_commit_callbacks
):
    configured("http://127.0.0.1:9/hooks")
    _, token = marketplace()  # no endpoint of its own
    mine = order_post(client_for(cast.token), "oc-5")["number"]
    theirs = order_post(client_for(token), "oc-6", **CONTOSO_ORDER)["number"]
    with django_capture_on_commit_callbacks(execute=True) as hooks:
        order_to(mine, OrderStatus.SUBMITTED)
        order_to(theirs, OrderStatus.ACKNOWLEDGED)
    assert len(hooks) == 1  # submitted registers no hook at all
    assert not webhook_deliveries().exists()


def test_a_second_save_in_the_same_status_is_no_second_event(
    cast, django_capture_on_commit_callbacks
):
    configured("http://127.0.0.1:9/hooks")
    number = order_post(client_for(cast.token), "oc-7")["number"]
    with django_capture_on_commit_callbacks(execute=True):
        order_to(number, OrderStatus.ACKNOWLEDGED)
    with django_capture_on_commit_callbacks(execute=True):
        order_upsert(key={"number": number}, values={"po_number": "PO-NEW"})
    assert webhook_deliveries().count() == 1


def test_each_event_carries_the_order_as_it_was_at_its_status_change(
    cast, django_capture_on_commit_callbacks
):
    configured("http://127.0.0.1:9/hooks")
    number = order_post(client_for(cast.token), "oc-8")["number"]
    order = Order.objects.get(number=number)
    with django_capture_on_commit_callbacks(execute=True):
        order_to(number, OrderStatus.ACKNOWLEDGED)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        first = {
            "order": order,
            "carrier": "UPS",
            "lines": [{"line_number": 1, "quantity": 10}],
        }
        shipment_upsert(key={"number": "SH-A"}, values=first | {"status": "shipped"})
        order_to(number, OrderStatus.PARTIALLY_SHIPPED)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        order_to(number, OrderStatus.SHIPPED)
        # Later in the same transaction: the event is made as the transaction commits.
        rest = {
            "order": order,
            "carrier": "DHL",
            "lines": [{"line_number": 2, "quantity": 100}],
        }
        shipment_upsert(key={"number": "SH-B"}, values=rest | {"status": "shipped"})
    with django_capture_on_commit_callbacks(execute=True):
        invoice_upsert(
            key={"number": "INV-A"}, values={"order": order, "amount": "54.00", "currency": "USD"}
        )
        order_to(number, OrderStatus.INVOICED)

    payloads = {d.payload["type"]: d.payload["data"] for d in webhook_deliveries()}
    shipments = {kind: [s["number"] for s in data["shipments"]] for kind, data in payloads.items()}
    assert shipments == {
        "order.acknowledged": [],
        "order.partially_shipped": ["SH-A"],
        "order.shipped": ["SH-A", "SH-B"],
        "order.invoiced": ["SH-A", "SH-B"],
    }
    assert payloads["order.partially_shipped"]["shipments"][0]["lines"] == [
        {"line_number": 1, "sku": "ACME-BOLT-M8", "quantity": "10"}
    ]
    assert payloads["order.partially_shipped"]["invoices"] == []
    assert [i["number"] for i in payloads["order.invoiced"]["invoices"]] == ["INV-A"]


def test_the_event_and_the_order_detail_show_a_shipment_alike(
    cast, django_capture_on_commit_callbacks
):
    configured("http://127.0.0.1:9/hooks")
    api = client_for(cast.token)
    number = order_post(api, "oc-9")["number"]
    order = Order.objects.get(number=number)
    with django_capture_on_commit_callbacks(execute=True):
        shipment_upsert(
            key={"number": "SH-C"},
            values={
                "order": order,
                "carrier": "UPS",
                "tracking_number": "1Z1",
                "shipped_at": "2026-11-22T14:05:00Z",
                "status": "shipped",
                "lines": [{"line_number": 1, "quantity": "10"}, {"line_number": 2, "quantity": 1}],
            },
        )
        order_to(number, OrderStatus.SHIPPED)
    event = webhook_deliveries().get().payload["data"]
    detail = api.get(f"/api/v1/orders/{number}/").json()
    assert event["shipments"] == detail["shipments"]
    assert event["invoices"] == detail["invoices"] == []
