"""A thousand orders while the Celery worker is killed with SIGKILL mid-batch and restarted.

The kill lands while a delivery is in flight (the sandbox ERP is made slow for a moment so
one certainly is): that delivery is stranded "in flight" until its lease lapses and beat's
sweep takes it back. Whether or not the ERP got the killed attempt, it ends with each order
exactly once, because the resend carries the same Idempotency-Key.
"""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.utils import timezone

from apps.exchange.models import Delivery, DeliveryAttempt, DeliveryStatus
from apps.orders.models import Order, OrderStatus
from apps.sandbox.models import SandboxReceipt
from tests.chaos.conftest import Storefront, assert_each_once_in_order, streams_of_orders
from tests.realstack.conftest import wait_for

# Bounded waits sized for a loaded two-core CI machine: placing a third of the orders alone
# can take a minute there.
pytestmark = [pytest.mark.chaos, pytest.mark.timeout(300)]
ORDERS = 1000


def erp_count() -> int:
    return SandboxReceipt.objects.filter(system="erp").count()


def hanging_attempt(since):
    def check() -> bool:
        # Started after the ERP was made slow, so it cannot finish for a while.
        attempts = DeliveryAttempt.objects.filter(started_at__gte=since, finished_at__isnull=True)
        return attempts.exists()

    check.__doc__ = "an attempt to hang in the slowed ERP"
    return check


def test_worker_killed_mid_batch_leaves_each_order_in_the_erp_once(chaos_hub, processes):
    chaos_hub.serve()
    chaos_hub.beat()
    chaos_hub.work()
    storefront = Storefront(chaos_hub)
    with ThreadPoolExecutor(max_workers=1) as background:
        placing = background.submit(
            storefront.place_streams, streams_of_orders(count=ORDERS, streams=8, prefix="KILL")
        )
        wait_for(lambda: erp_count() >= ORDERS // 3, timeout=120)
        slowed = timezone.now()
        chaos_hub.erp_faults({"latency_ms": 2000})  # the next attempt hangs in the ERP
        wait_for(hanging_attempt(slowed), timeout=30)
        processes.kill("worker")
        stranded = list(Delivery.objects.filter(status=DeliveryStatus.IN_FLIGHT))
        chaos_hub.erp_faults(None)
        chaos_hub.work()
        streams = placing.result()

    wait_for(lambda: erp_count() >= ORDERS, timeout=120)
    wait_for(lambda: not Delivery.objects.exclude(status=DeliveryStatus.DELIVERED).exists())
    received = chaos_hub.erp_received()
    assert len(received) == ORDERS
    assert_each_once_in_order(received, streams)
    assert Order.objects.filter(status=OrderStatus.SUBMITTED).count() == ORDERS
    # The attempts the kill cut short were taken back after their lease and made again.
    assert stranded
    for delivery in stranded:
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.DELIVERED
        assert delivery.attempts >= 2
