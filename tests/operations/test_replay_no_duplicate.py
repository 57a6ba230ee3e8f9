"""A replay never creates a duplicate in the target, even when the target took the first copy.

The ERP stores the order but answers too late; the hub gives up (a dead letter), the owner
asks for a replay and a second person approves it. The ERP's received log, read over HTTP
as any outsider would, must still hold the order once.
"""

import time

import pytest
import requests

from apps.exchange.models import Delivery, DeliveryStatus
from apps.flows.models import Flow
from apps.orders.models import Order, OrderStatus
from apps.quarantine.choices import ReasonCode
from apps.quarantine.decisions import registry
from apps.quarantine.models import QuarantineItem, QuarantineStatus
from apps.sandbox.storefront import storefront_place_order
from apps.systems.models import System
from tests.conftest import payload


def erp_receipts(cast, number: str) -> list[dict]:
    received = requests.get(f"{cast.url}/sandbox/erp/received/", timeout=10).json()["received"]
    return [r for r in received if r["body"].get("hub_order_number") == number]


def erp_receipts_once_stored(cast, number: str, seconds: float = 15) -> list[dict]:
    # The ERP stores the order only when its injected latency is over, after the hub gave up.
    deadline = time.monotonic() + seconds
    while not (receipts := erp_receipts(cast, number)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return receipts


def decide(item, user, name: str) -> None:
    item.refresh_from_db()
    registry.decision_for(item=item, user=user, name=name).take(
        item=item, actor=user, data={"note": ""}
    )


@pytest.mark.django_db(transaction=True)
def test_replayed_dead_letter_reaches_the_erp_once(live_cast):
    System.objects.filter(code="erp").update(timeout_seconds=0.5)
    Flow.objects.filter(code="order-capture").update(max_attempts=1)
    # The ERP keeps the order, then answers after the hub stopped waiting.
    requests.post(f"{live_cast.url}/sandbox/erp/faults/", json={"latency_ms": 1500}, timeout=10)
    response = storefront_place_order(
        hub_url=live_cast.url, token=live_cast.token, order=payload("order_storefront_cases.json")
    )
    number = response.json()["number"]
    item = QuarantineItem.objects.get(subject_key=number, reason_code=ReasonCode.DELIVERY_FAILED)
    # Taken, though the hub never heard so.
    assert len(erp_receipts_once_stored(live_cast, number)) == 1

    requests.delete(f"{live_cast.url}/sandbox/erp/faults/", timeout=10)
    decide(item, live_cast.user("orderdesk"), "request_replay")
    decide(item, live_cast.user("approver"), "approve")

    item.refresh_from_db()
    assert item.status == QuarantineStatus.RESOLVED
    assert Delivery.objects.get(subject_key=number).status == DeliveryStatus.DELIVERED
    receipts = erp_receipts(live_cast, number)
    assert len(receipts) == 1
    order = Order.objects.get(number=number)
    assert order.status == OrderStatus.SUBMITTED
    assert order.external_ref == receipts[0]["answer"]["order_number"]
