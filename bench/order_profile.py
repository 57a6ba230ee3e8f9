"""Where a POST /api/v1/orders/ spends its time: cProfile over the test client on PostgreSQL.

    .venv/bin/python bench/order_profile.py [requests] [rows]

A database is created for the run (as bench/order_api.py does), seeded with the demo data,
and `requests` 3-line orders are posted in this process after a warm-up. Prints the functions
with the most cumulative time, then the hub's own functions by their own time.
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
        import django

        django.setup()
        from django.db import connections
        from django.test import Client

        client = Client(HTTP_AUTHORIZATION=f"Token {token}")

        def post(key: str) -> None:
            answer = client.post(
                "/api/v1/orders/",
                json.dumps(order(3, f"PO-{key}")),
                content_type="application/json",
                HTTP_IDEMPOTENCY_KEY=key,
            )
            assert answer.status_code == 201, answer.content[:300]

        for index in range(20):
            post(f"warm-{index}")
        profile = cProfile.Profile()
        start = time.perf_counter()
        profile.enable()
        for index in range(requests):
            post(f"profiled-{index}")
        profile.disable()
        elapsed = time.perf_counter() - start
        connections.close_all()
    print(f"{requests} orders in {elapsed:.2f} s: {elapsed / requests * 1000:.1f} ms each")
    for sort in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(sort).print_stats(rows)
        print(out.getvalue())


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:3]))
