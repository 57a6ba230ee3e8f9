"""The order story through Redis and a real Celery worker process, on PostgreSQL."""

import pytest
import redis
import requests
from django.conf import settings

from apps.exchange.models import Delivery, DeliveryStatus
from apps.exchange.services import deliveries_sweep
from apps.orders.models import Order, OrderStatus
from apps.sandbox.storefront import storefront_place_order
from tests.conftest import payload
from tests.realstack.conftest import wait_for

pytestmark = pytest.mark.realstack


def erp_received(url: str, key: str) -> list:
    rows = requests.get(f"{url}/sandbox/erp/received/", timeout=10).json()["received"]
    return [row for row in rows if row["idempotency_key"] == key]


def submitted(number: str) -> Order | None:
    """the order to reach the ERP"""
    return Order.objects.filter(number=number, status=OrderStatus.SUBMITTED).first()


def test_order_reaches_erp_through_redis_and_worker_after_one_503(real_stack, start_worker):
    start_worker()
    requests.post(
        f"{real_stack.url}/sandbox/erp/faults/", json={"status": 503, "count": 1}, timeout=10
    )
    response = storefront_place_order(
        hub_url=real_stack.url, token=real_stack.token, order=payload("order_storefront_cases.json")
    )
    assert response.status_code == 201, response.text
    order = wait_for(lambda: submitted(response.json()["number"]))
    delivery = Delivery.objects.get(subject_key=order.number)
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.attempts == 2
    assert [a.status_code for a in delivery.attempt_log.all()] == [503, 201]
    received = erp_received(real_stack.url, delivery.idempotency_key)
    assert len(received) == 1
    assert order.external_ref == received[0]["answer"]["order_number"]


def test_flushed_broker_loses_no_order_the_sweep_requeues_it(real_stack, start_worker):
    response = storefront_place_order(
        hub_url=real_stack.url, token=real_stack.token, order=payload("order_storefront_cases.json")
    )
    number = response.json()["number"]
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()  # the message is gone
    start_worker()
    assert deliveries_sweep() == 1
    order = wait_for(lambda: submitted(number))
    assert order.external_ref.startswith("ERP-")
