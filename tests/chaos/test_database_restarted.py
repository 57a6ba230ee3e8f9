"""PostgreSQL crashed and started again mid-run, on a throwaway server the test owns.

While it is down the API cannot take orders (the storefront retries under the same key) and
the worker cannot deliver. No order the API acknowledged is lost, and once the database is
back the work resumes: each order reaches the ERP once, each account's in order.
"""

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.chaos.conftest import Storefront, assert_each_once_in_order, streams_of_orders
from tests.realstack.conftest import wait_for

pytestmark = [pytest.mark.chaos, pytest.mark.timeout(150)]
ORDERS = 100


def test_database_restart_loses_no_acknowledged_order_and_work_resumes(postgres_hub):
    hub, database = postgres_hub, postgres_hub.postgres
    hub.serve()
    hub.beat()
    hub.work()
    storefront = Storefront(hub, pause_after=ORDERS // 4)

    def erp_count() -> int:
        return database.scalar("SELECT count(*) FROM sandbox_sandboxreceipt") or 0

    with ThreadPoolExecutor(max_workers=1) as background:
        placing = background.submit(
            storefront.place_streams, streams_of_orders(count=ORDERS, streams=2, prefix="PG")
        )
        storefront.wait_until_paused()
        wait_for(lambda: erp_count() >= ORDERS // 8)  # the worker is delivering
        database.crash()
        storefront.resume()
        wait_for(lambda: storefront.refusals.total() >= 4, timeout=30)  # the API feels it
        database.start()
        streams = placing.result()

    delivered = "SELECT count(*) FROM exchange_delivery WHERE status = 'delivered'"
    try:
        wait_for(lambda: database.scalar(delivered) == ORDERS)
    except AssertionError as exc:  # say where the rest are, so a failure can be read
        states = database.scalar(
            "SELECT string_agg(status || ' x' || n || ' next ' || next_at, '; ') FROM (SELECT"
            " status, count(*) AS n, max(next_attempt_at)::text AS next_at"
            " FROM exchange_delivery GROUP BY status) s"
        )
        raise AssertionError(f"{exc}; deliveries by status: {states}") from exc
    assert_each_once_in_order(hub.erp_received(), streams)
    submitted = "SELECT count(*) FROM orders_order WHERE status = 'submitted'"
    assert database.scalar(submitted) == ORDERS
