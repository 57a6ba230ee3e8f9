"""Order API benchmark: the hub's POST /api/v1/orders/ beside a plain Django view.

    .venv/bin/python bench/order_api.py

gunicorn (4 workers) serves both on a PostgreSQL database created for the run and dropped
after it (the machine's 127.0.0.1:5432, else a throwaway server), seeded with the demo data.
Load comes from a second process over keep-alive connections. Rounds alternate hub and plain
view (A/B) so drift in a shared machine hits both alike:

1. closed loop at a fixed concurrency: throughput of each (median of the rounds);
2. open loop at one offered rate, half what the plain view sustained: p99 latency of each,
   counted from each request's scheduled send time, so queueing is included.

Then, in this process on the same database, the SQL queries of a 1-line and a 500-line order.
The last line is the summary: `order_api hub_rps=… plain_rps=… ratio=… at_rps=… …`.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import SEQ, LoadResult, Stack, Target, hub_env, load_run, manage  # noqa: E402

DATABASE = "hub_bench_order_api"
CONCURRENCY = 8
CLOSED_SECONDS = float(os.environ.get("BENCH_SECONDS", "8"))
OPEN_SECONDS = CLOSED_SECONDS + 2
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
LINES = [
    {"sku": "ACME-BOLT-M8", "quantity": "10", "uom": "CS", "unit_price": "4.20"},
    {"sku": "ACME-NUT-M8", "quantity": "100", "uom": "EA", "unit_price": "0.12"},
]


def order(lines: int, po_number: str) -> dict:
    """A storefront order at its contract prices (so it is routed, not quarantined)."""
    return {
        "account": "NW-1001",
        "po_number": po_number,
        "currency": "USD",
        "ship_to": {
            "name": "Plant 2",
            "line1": "1 Mill Rd",
            "city": "Dayton",
            "postal_code": "45402",
            "country": "US",
        },
        "lines": [LINES[index % len(LINES)] for index in range(lines)],
    }


def targets(url: str, token: str) -> dict[str, Target]:
    body = json.dumps(order(3, f"PO-{SEQ}"))
    json_type = {"Content-Type": "application/json"}
    hub_headers = {**json_type, "Authorization": f"Token {token}", "Idempotency-Key": f"k-{SEQ}"}
    return {
        "hub": Target(f"{url}/api/v1/orders/", headers=hub_headers, body=body, expect=(201,)),
        "plain": Target(f"{url}/bench/plain-order/", headers=json_type, body=body, expect=(201,)),
    }


def rounds(stack: Stack, load: dict[str, Target], **options) -> dict[str, list[LoadResult]]:
    results: dict[str, list[LoadResult]] = {"hub": [], "plain": []}
    for number in range(ROUNDS):
        # A/B then B/A: neither side always runs on the warmer (or busier) half of a round.
        order_of_sides = ("hub", "plain") if number % 2 == 0 else ("plain", "hub")
        for side in order_of_sides:
            mode = "open" if options.get("rate") else "closed"
            result = load_run(load[side], prefix=f"{side}-{mode}-{number}", **options)
            if result.errors:
                print(stack.log("gunicorn")[-5000:])
                raise SystemExit(f"{side}: {result.errors} errors, first: {result.first_error}")
            results[side].append(result)
            print(
                f"  {side:5} {result.rps:7.1f} req/s  p50 {result.p(50):6.1f} ms  "
                f"p99 {result.p(99):6.1f} ms  ({result.count} requests)",
                flush=True,
            )
    return results


def queries(env: dict, token: str) -> tuple[int, int]:
    """SQL queries of a 1-line and a 500-line order, counted in this process."""
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Token {token}")

    def post(lines: int, key: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            answer = client.post(
                "/api/v1/orders/",
                json.dumps(order(lines, f"PO-Q-{key}")),
                content_type="application/json",
                HTTP_IDEMPOTENCY_KEY=f"queries-{key}",
            )
        assert answer.status_code == 201, answer.content[:500]
        return len(captured)

    post(1, "warm")
    return post(1, "one"), post(500, "five-hundred")


def main() -> None:
    with Stack() as stack:
        env = hub_env(stack.postgres(DATABASE), stack.folder)
        env["DJANGO_SETTINGS_MODULE"] = "bench.settings"
        manage(env, "migrate", "--noinput")
        manage(env, "seed_demo")
        token = manage(env, "partner_token", "storefront").split()[-1]
        url = stack.gunicorn(env, workers=4)
        load = targets(url, token)
        for target in load.values():  # warm every worker's imports, caches and connections
            load_run(target, seconds=2, concurrency=CONCURRENCY, prefix=f"warm-{target.url}")
        print(f"closed loop, {CONCURRENCY} connections, {ROUNDS} x {CLOSED_SECONDS} s each:")
        closed = rounds(stack, load, seconds=CLOSED_SECONDS, concurrency=CONCURRENCY)
        hub_rps = statistics.median(r.rps for r in closed["hub"])
        plain_rps = statistics.median(r.rps for r in closed["plain"])
        at_rps = round(plain_rps / 2, 1)
        print(f"open loop at {at_rps} req/s, {ROUNDS} x {OPEN_SECONDS} s each:")
        opened = rounds(stack, load, seconds=OPEN_SECONDS, concurrency=CONCURRENCY, rate=at_rps)
        hub_p99 = statistics.median(r.p(99) for r in opened["hub"])
        plain_p99 = statistics.median(r.p(99) for r in opened["plain"])
        queries_1, queries_500 = queries(env, token)
        from django.db import connections

        connections.close_all()  # the database is dropped on exit
    print(
        f"order_api hub_rps={hub_rps:.1f} plain_rps={plain_rps:.1f} "
        f"ratio={hub_rps / plain_rps:.2f} at_rps={at_rps} hub_p99_ms={hub_p99:.1f} "
        f"plain_p99_ms={plain_p99:.1f} p99_ratio={hub_p99 / plain_p99:.2f} "
        f"queries_1={queries_1} queries_500={queries_500}"
    )


if __name__ == "__main__":
    main()
