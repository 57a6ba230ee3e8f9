"""Order status over real HTTP: sandbox ERP → hub webhook → outbox → sandbox storefront.

The ERP is configured like a real one: the hub's webhook URL and a partner token the hub
issued to it. Tasks run in process, so each notification is delivered before the hub answers.
"""

import pytest
import requests

from apps.api.services import partner_token_issue
from apps.exchange.models import Delivery, DeliveryStatus, Envelope, TraceEvent
from apps.exchange.services import delivery_attempt
from apps.orders.models import Order, OrderStatus
from apps.sandbox.storefront import storefront_place_order
from tests.conftest import payload

WEBHOOK = "/api/v1/webhooks/order-status/"


@pytest.fixture
def story(live_cast):
    """The live cast with the ERP's webhook configured, and one order the ERP has taken."""
    erp_token = partner_token_issue(partner_code="erp")
    configured = requests.post(
        f"{live_cast.url}/sandbox/erp/webhook/",
        json={"url": live_cast.url + WEBHOOK, "token": erp_token},
        timeout=10,
    )
    configured.raise_for_status()
    placed = storefront_place_order(
        hub_url=live_cast.url, token=live_cast.token, order=payload("order_storefront_cases.json")
    )
    assert placed.status_code == 201, placed.text
    live_cast.order = Order.objects.get(number=placed.json()["number"])
    assert live_cast.order.status == OrderStatus.SUBMITTED
    return live_cast


def erp_acts(story, action: str, number: str | None = None, **spec) -> requests.Response:
    """An ERP user acts on an order; the sandbox ERP calls the hub and shows its answer."""
    number = number or story.order.external_ref
    return requests.post(
        f"{story.url}/sandbox/erp/orders/{number}/status/",
        json={"action": action, **spec},
        timeout=30,
    )


def storefront_heard(story) -> list[dict]:
    received = requests.get(f"{story.url}/sandbox/storefront/received/", timeout=10).json()
    return [r["body"] for r in received["received"] if r["path"] == "order-status/"]


def order(story) -> Order:
    return Order.objects.get(pk=story.order.pk)


def test_acknowledgment_reaches_the_storefront_once(story):
    response = erp_acts(story, "acknowledge")
    assert response.status_code == 200, response.text
    assert response.json()["hub_answer"]["status"] == "acknowledged"
    assert order(story).status == OrderStatus.ACKNOWLEDGED
    [heard] = storefront_heard(story)
    assert (heard["order_number"], heard["po_number"]) == (story.order.number, "PO-7781")
    assert (heard["previous_status"], heard["status"]) == ("submitted", "acknowledged")
    delivery = Delivery.objects.get(flow__code="order-status")
    assert delivery.status == DeliveryStatus.DELIVERED


def test_changed_quantity_and_refused_line_reach_the_storefront(story):
    lines = [{"line": 1, "quantity": "96"}, {"line": 2, "reject": True, "reason": "Discontinued"}]
    response = erp_acts(story, "change", lines=lines)
    assert response.status_code == 200, response.text
    assert response.json()["document"]["status"] == "AC", "the ERP speaks its own codes"
    [heard] = storefront_heard(story)
    assert [(n["status"], n["confirmed_quantity"], n["reason"]) for n in heard["lines"]] == [
        ("changed", "96", ""),
        ("rejected", "0", "Discontinued"),
    ]
    bolt, nut = order(story).lines.all()
    assert (bolt.status, str(bolt.confirmed_quantity)) == ("changed", "96.0000")
    assert bolt.history.count() >= 2 and nut.status == "rejected"


def test_rejection_reaches_the_storefront(story):
    response = erp_acts(story, "reject", reason="Credit stop")
    assert response.status_code == 200, response.text
    assert order(story).status == OrderStatus.REJECTED
    [heard] = storefront_heard(story)
    assert (heard["status"], heard["reason"]) == ("rejected", "Credit stop")


def test_cancel_after_acknowledgment_sends_each_change_once(story):
    assert erp_acts(story, "acknowledge").status_code == 200
    assert erp_acts(story, "cancel", reason="Buyer called").status_code == 200
    assert order(story).status == OrderStatus.CANCELLED
    assert [h["status"] for h in storefront_heard(story)] == ["acknowledged", "cancelled"]


def test_the_erp_resending_an_event_is_answered_the_same_and_told_once(story):
    first = erp_acts(story, "acknowledge", event_id="ERP-EV-1")
    again = erp_acts(story, "acknowledge", event_id="ERP-EV-1")
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert len(storefront_heard(story)) == 1
    assert Envelope.objects.filter(idempotency_key="erp-status-ERP-EV-1").count() == 1


def test_unknown_order_number_answers_404_and_tells_nobody(story):
    response = erp_acts(story, "acknowledge", number="ERP-999999")
    assert response.status_code == 404
    assert response.json()["hub_answer"]["error"]["code"] == "not_found"
    assert storefront_heard(story) == []


def test_acknowledging_a_cancelled_order_answers_409_on_its_trace(story):
    assert erp_acts(story, "cancel").status_code == 200
    response = erp_acts(story, "acknowledge")
    assert response.status_code == 409
    assert response.json()["hub_answer"]["error"]["code"] == "invalid_transition"
    assert order(story).status == OrderStatus.CANCELLED
    assert TraceEvent.objects.filter(
        subject_key=story.order.number, stage="apply", outcome="failed"
    ).exists()
    assert [h["status"] for h in storefront_heard(story)] == ["cancelled"]


def test_a_partner_that_is_not_the_erp_cannot_post_statuses(story):
    document = {"document_id": "X1", "order_number": story.order.external_ref, "status": "CA"}
    response = requests.post(
        story.url + WEBHOOK,
        json=document,
        headers={"Authorization": f"Token {story.token}", "Idempotency-Key": "sf-x1"},
        timeout=10,
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_owner"
    assert order(story).status == OrderStatus.SUBMITTED
    assert storefront_heard(story) == []


def test_storefront_down_gets_the_notification_once_it_is_back(story):
    faults = f"{story.url}/sandbox/storefront/faults/"
    requests.post(faults, json={"down": True}, timeout=10).raise_for_status()
    assert erp_acts(story, "acknowledge").status_code == 200, "the ERP is not kept waiting"
    delivery = Delivery.objects.get(flow__code="order-status")
    assert delivery.status == DeliveryStatus.RETRYING
    assert storefront_heard(story) == []
    requests.delete(faults, timeout=10)
    delivery_attempt(delivery_id=delivery.pk, now=delivery.next_attempt_at)
    assert [h["status"] for h in storefront_heard(story)] == ["acknowledged"]
