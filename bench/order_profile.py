"""Where a POST /api/v1/orders/ spends its time: cProfile over the test client on PostgreSQL.

    .venv/bin/python bench/order_profile.py [requests] [rows]

A database is created for the run (as bench/order_api.py does), seeded with the demo data,
and `requests` 3-line orders are posted in this process after a warm-up: first to the plain
view (bench/plain_order.py) unprofiled, then to the hub unprofiled, then to the hub under
cProfile with a CPU clock. Prints each one's wall and CPU time per order, then the functions
with the most cumulative CPU, then the functions by their own CPU; PROFILE_OUT=<file> also
keeps the profile for pstats.
"""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import Stack, hub_env, manage  # noqa: E402
from bench.order_api import order  # noqa: E402


def main(requests: int = 300, rows: int = 35) -> None:
    with Stack() as stack:
        env = hub_env(stack.postgres("hub_bench_order_profile"), stack.folder)
        manage(env, "migrate", "--noinput")
        manage(env, "seed_demo")
        token = manage(env, "partner_token", "storefront").split()[-1]
        os.environ.update(env)
        os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"  # the plain view's URL too
        import django

        django.setup()
        from django.db import connections
        from django.test import Client

        client = Client(HTTP_AUTHORIZATION=f"Token {token}")

        def post(key: str, url: str = "/api/v1/orders/") -> None:
            answer = client.post(
                url,
                json.dumps(order(3, f"PO-{key}")),
                content_type="application/json",
                HTTP_IDEMPOTENCY_KEY=key,
            )
            assert answer.status_code == 201, answer.content[:300]

        def timed(name: str, url: str) -> None:
            for index in range(20):
                post(f"warm-{name}-{index}", url)
            wall, cpu = time.perf_counter(), time.process_time()
            for index in range(requests):
                post(f"{name}-{index}", url)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            print(
                f"{name}: {requests} orders, {wall / requests * 1000:.1f} ms each, "
                f"{cpu / requests * 1000:.1f} ms CPU in this process"
            )

        timed("plain", "/bench/plain-order/")
        timed("hub", "/api/v1/orders/")
        profile = cProfile.Profile(time.process_time)
        profile.enable()
        for index in range(requests):
            post(f"profiled-{index}")
        profile.disable()
        connections.close_all()
    if os.environ.get("PROFILE_OUT"):  # for pstats' callers/callees views
        profile.dump_stats(os.environ["PROFILE_OUT"])
    for sort in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(sort).print_stats(rows)
        print(out.getvalue())


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:3]))
