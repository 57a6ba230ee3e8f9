"""A worker that delivered one row drains what else is due for the target in batches, over one
connection, each account's line in order; the gate, holds and attempts are kept as before."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from apps.exchange.models import Delivery, DeliveryAttempt, DeliveryStatus, TraceEvent
from apps.exchange.services import delivery_attempt
from apps.exchange.stages.claim import deliveries_claim
from apps.flows.models import Flow
from apps.orders.models import Order, OrderStatus
from apps.systems.models import System
from tests.connectors.test_rest_sessions import counting_server  # noqa: F401 - a fixture
from tests.exchange.test_validation import receive

pytestmark = pytest.mark.django_db(transaction=True)

NW_1002_LINES = [{"sku": "ACME-BOLT-M8", "quantity": "10", "uom": "CS", "unit_price": "4.32"}]


def backlog(cast, count: int) -> list[Delivery]:
    """`count` orders from two accounts in turn, queued while the flow is paused."""
    Flow.objects.filter(code="order-capture").update(is_paused=True)
    numbers = []
    for i in range(count):
        changes = {"po_number": f"PO-BATCH-{i}"}
        if i % 2:
            changes |= {"account": "NW-1002", "lines": NW_1002_LINES}
        numbers.append(receive(cast, "order_storefront_cases.json", key=f"b-{i}", **changes))
    Flow.objects.filter(code="order-capture").update(is_paused=False)
    rows = list(Delivery.objects.filter(subject_key__in=[n["number"] for n in numbers]))
    assert all(d.status == DeliveryStatus.PENDING and d.attempts == 0 for d in rows)
    return sorted(rows, key=lambda d: d.pk)


@pytest.fixture
def erp(cast, counting_server):  # noqa: F811 - the fixture imported above
    System.objects.filter(code="erp").update(base_url=counting_server.url)
    return counting_server


def test_one_delivery_drains_the_backlog_in_order_over_one_connection(
    cast, erp, django_assert_max_num_queries
):
    rows = backlog(cast, 12)
    # Two lines: batches of two (one head per line), so the per-batch work shows here.
    with django_assert_max_num_queries(12 * 15):
        delivery_attempt(delivery_id=rows[0].pk)
    statuses = set(Delivery.objects.values_list("status", "attempts"))
    assert statuses == {(DeliveryStatus.DELIVERED, 1)}
    assert (erp.posts, erp.accepted) == (12, 1)
    for account in ("NW-1001", "NW-1002"):
        line = [d.pk for d in rows if d.line_key == account]
        sent = [
            a.delivery_id
            for a in DeliveryAttempt.objects.filter(delivery__line_key=account).order_by("pk")
        ]
        assert sent == line, f"{account}'s orders reached the ERP in the order they were made"


def test_deliveries_of_no_line_go_in_one_batch_with_their_bookkeeping_in_bulk(
    cast, erp, django_assert_max_num_queries
):
    rows = backlog(cast, 12)
    Delivery.objects.update(line_key="")
    # Per delivery: its attempt row and the order's move with its history (the handler); per
    # batch: the claim, the gate, one circuit report, attempts, outbox rows and trace steps.
    with django_assert_max_num_queries(12 * 8):
        delivery_attempt(delivery_id=rows[0].pk)
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}
    assert (erp.posts, erp.accepted) == (12, 1)
    steps = TraceEvent.objects.filter(stage="deliver", delivery__in=rows)
    assert steps.count() == 12 and all("accepted (201)" in s.message for s in steps)
    assert Order.objects.filter(status=OrderStatus.SUBMITTED).count() == 12


def test_a_rate_limited_target_is_drained_one_slot_at_a_time_and_the_rest_wait(cast, erp):
    rows = backlog(cast, 5)
    System.objects.filter(code="erp").update(delivery_rate_limit="2/day")
    delivery_attempt(delivery_id=rows[0].pk)
    by_status = {}
    for delivery in Delivery.objects.order_by("pk"):
        by_status.setdefault(delivery.status, []).append(delivery)
    assert len(by_status[DeliveryStatus.DELIVERED]) == 2 and erp.posts == 2
    waiting = by_status[DeliveryStatus.PENDING]
    assert len(waiting) == 3
    # Claimed and given back, or never claimed: no attempt spent, and the reason on the row.
    assert not DeliveryAttempt.objects.filter(delivery__in=waiting).exists()
    assert all(d.attempts == 0 for d in waiting)
    assert any("rate limit 2/day" in d.last_error for d in waiting)
    assert all(d.next_attempt_at > timezone.now() + timedelta(hours=1) for d in waiting[:1])


def test_a_held_or_paused_row_is_never_claimed(cast, erp):
    rows = backlog(cast, 4)
    Delivery.objects.filter(pk=rows[1].pk).update(status=DeliveryStatus.HELD)
    delivery_attempt(delivery_id=rows[0].pk)
    held = Delivery.objects.get(pk=rows[1].pk)
    assert held.status == DeliveryStatus.HELD and held.attempts == 0
    # A row an operator holds is out of its line until released, as for a single attempt.
    others = Delivery.objects.exclude(pk=rows[1].pk).values_list("status", flat=True)
    assert set(others) == {DeliveryStatus.DELIVERED}
    Flow.objects.filter(code="order-capture").update(is_paused=True)
    flow = Flow.objects.get(code="order-capture")
    claim = {"flow_id": flow.pk, "system_id": flow.target_system_id, "limit": 10}
    Delivery.objects.filter(pk=rows[1].pk).update(status=DeliveryStatus.PENDING)
    assert deliveries_claim(**claim, now=timezone.now()) == []


def test_concurrent_claims_take_each_row_once_and_each_line_in_order(cast):
    rows = backlog(cast, 16)
    Delivery.objects.filter(pk__in=[d.pk for d in rows[:6]]).update(line_key="")  # no line
    flow = Flow.objects.get(code="order-capture")
    claimed, lock = [], threading.Lock()

    def worker():
        try:
            while batch := deliveries_claim(
                flow_id=flow.pk, system_id=flow.target_system_id, limit=3, now=timezone.now()
            ):
                with lock:
                    claimed.extend(batch)
                Delivery.objects.filter(pk__in=[d.pk for d in batch]).update(
                    status=DeliveryStatus.DELIVERED
                )
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [d.pk for d in claimed]
    assert sorted(ids) == [d.pk for d in rows], "every row claimed exactly once"
    for account in ("NW-1001", "NW-1002"):
        line = [d.pk for d in claimed if d.line_key == account]
        assert line == sorted(line)
    assert all(d.attempts == 1 and d.status == DeliveryStatus.IN_FLIGHT for d in claimed)
