"""Redis flushed and restarted mid-run: every queued message is gone, and nothing is lost.

The outbox rows in PostgreSQL are the work; a broker message only wakes a worker. Orders
placed while Redis is down are acknowledged all the same; once it is back, beat's sweep
re-enqueues whatever is due and each order reaches the ERP once.
"""

from concurrent.futures import ThreadPoolExecutor

import pytest

from apps.exchange.models import Delivery, DeliveryStatus
from apps.orders.models import Order
from tests.chaos.conftest import Storefront, assert_each_once_in_order, streams_of_orders
from tests.realstack.conftest import wait_for

pytestmark = [pytest.mark.chaos, pytest.mark.timeout(210)]
ORDERS = 100


def test_flushed_and_restarted_redis_loses_no_order_and_delivers_each_once(chaos_hub):
    chaos_hub.serve()
    chaos_hub.beat()
    chaos_hub.work()
    storefront = Storefront(chaos_hub, pause_after=ORDERS // 5)
    with ThreadPoolExecutor(max_workers=1) as background:
        placing = background.submit(
            storefront.place_streams, streams_of_orders(count=ORDERS, streams=2, prefix="REDIS")
        )
        storefront.wait_until_paused()
        chaos_hub.redis.flush_and_stop()
        storefront.resume()
        # Orders keep coming while the broker is gone; they are taken into the outbox.
        during = Order.objects.count() + 10
        wait_for(lambda: Order.objects.count() >= during, timeout=30)
        chaos_hub.redis.start()
        streams = placing.result()

    # The worker and beat reconnect to Redis with growing pauses (Celery's own, up to 30 s);
    # then the sweep, every 10 s, re-enqueues what the flush took.
    # A worker that the lost connection killed is restarted, as a supervisor would.
    wait_for(
        lambda: (
            chaos_hub.supervise()
            or Delivery.objects.filter(status=DeliveryStatus.DELIVERED).count() == ORDERS
        ),
        timeout=110,
    )
    assert_each_once_in_order(chaos_hub.erp_received(), streams)
    # An order taken into the outbox while the broker is down is acknowledged, not answered
    # 500: its delivery waits for the sweep, and the partner has nothing to retry.
    assert storefront.refusals[500] == 0, storefront.refusals
