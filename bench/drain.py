"""Outbox drain benchmark: a backlog of 2,000 orders delivered to the sandbox ERP by the
documented worker set-up, beside a bare client posting the same documents.

    .venv/bin/python bench/drain.py

PostgreSQL (a database created for the run and dropped after it), Redis (database 4 of the
machine's 127.0.0.1:6379, or a throwaway redis-server when none runs), the hub and its sandbox
ERP served by gunicorn (4 workers).

1. 2,000 storefront orders go in through the partner API (the order handler), spread over
   `ACCOUNTS` accounts; no worker runs yet, so the outbox holds 2,000 deliveries and Redis
   2,000 task messages. Deliveries of one account reach the ERP in order (its line), so the
   accounts are what lets several go at once, as in a real backlog.
2. The README's orders worker starts (`celery -A integration_hub worker -Q orders
   --concurrency 4`) and drains the outbox; timed from the ERP's first receipt to its last.
3. A bare client (requests, one keep-alive session per thread, `CONCURRENCY` threads) posts
   the same 2,000 ERP documents under fresh idempotency keys, so the ERP does the same work;
   timed the same way. It runs before and after the hub, and the mean counts.

The last line: `drain hub_per_s=… bare_per_s=… ratio=…`.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import redis
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import PYTHON, Stack, free_port, hub_env, manage, port_open  # noqa: E402

DATABASE = "hub_drain_bench"
REDIS_DB = 4
ORDERS = int(os.environ.get("BENCH_ORDERS", "2000"))
# The README's orders worker runs --concurrency 4; the bare client uses as many threads.
CONCURRENCY = 4
ACCOUNTS = 40
SANDBOX_TOKEN = "sandbox-erp-token"
DRAIN_TIMEOUT = 600.0

# Accounts like the demo's NW-1001, each entitled to the storefront with the same contract
# prices, so every order is routed to the ERP and none waits in quarantine.
ACCOUNTS_SETUP = """
from datetime import date
from apps.accounts.models import AccountEntitlement, CompanyAccount
from apps.catalog.models import Product
from apps.pricing.models import ContractPrice
from apps.systems.models import System
storefront, erp = System.objects.get(code="storefront"), System.objects.get(code="erp")
model = CompanyAccount.objects.get(number="NW-1001")
prices = list(ContractPrice.objects.filter(account=model))
for n in range({accounts}):
    account, _ = CompanyAccount.objects.get_or_create(
        number=f"BN-{{n:04d}}", defaults={{"name": f"Bench account {{n}}"}}
    )
    AccountEntitlement.objects.get_or_create(system=storefront, account=account)
    for price in prices:
        ContractPrice.objects.get_or_create(
            account=account, product=price.product, valid_from=price.valid_from,
            defaults={{"unit_price": price.unit_price, "contract_number": f"C-BN-{{n}}",
                       "authorised_by": erp, "currency": price.currency, "uom": price.uom}},
        )
"""
SAMPLE = {
    "currency": "USD",
    "ship_to": {
        "name": "Plant 2",
        "line1": "1 Mill Rd",
        "city": "Dayton",
        "postal_code": "45402",
        "country": "US",
    },
    "lines": [
        {"sku": "ACME-BOLT-M8", "quantity": "10", "uom": "CS", "unit_price": "4.20"},
        {"sku": "ACME-NUT-M8", "quantity": "100", "uom": "EA", "unit_price": "0.12"},
    ],
}


def broker(stack: Stack) -> str:
    """Redis database 4 of the machine's server, emptied; else a throwaway redis-server."""
    if port_open(6379):
        url = f"redis://127.0.0.1:6379/{REDIS_DB}"
        redis.Redis.from_url(url).flushdb()
        stack.callback(lambda: redis.Redis.from_url(url).flushdb())
        return url
    if not shutil.which("redis-server"):
        raise SystemExit("drain: needs Redis on 127.0.0.1:6379 or redis-server installed")
    port = free_port()
    stack.start(
        "redis",
        ["redis-server", "--port", port, "--bind", "127.0.0.1", "--save", ""]
        + ["--appendonly", "no", "--dir", stack.folder],
        os.environ.copy(),
    )
    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(100):
        with contextlib.suppress(redis.RedisError):
            if redis.Redis.from_url(url).ping():
                return url
        time.sleep(0.1)
    raise SystemExit("drain: the throwaway redis-server did not answer")


def place_backlog(url: str, token: str) -> None:
    """ORDERS orders through the partner API, CONCURRENCY at a time, accounts in turn."""
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}

    def place(numbers: range) -> None:
        with requests.Session() as session:
            for n in numbers:
                body = {**SAMPLE, "account": f"BN-{n % ACCOUNTS:04d}", "po_number": f"PO-D-{n}"}
                answer = session.post(
                    f"{url}/api/v1/orders/",
                    data=json.dumps(body),
                    headers={**headers, "Idempotency-Key": f"drain-{n}"},
                    timeout=60,
                )
                if answer.status_code != 201:
                    raise RuntimeError(f"order {n}: {answer.status_code} {answer.text[:300]}")

    with ThreadPoolExecutor(CONCURRENCY) as pool:
        list(pool.map(place, [range(i, ORDERS, CONCURRENCY) for i in range(CONCURRENCY)]))


def receipts(db_url: str, prefix: str) -> tuple[int, float]:
    """How many ERP receipts carry keys starting with `prefix`, and seconds first to last."""
    with psycopg.connect(db_url) as db:
        count, first, last = db.execute(
            "SELECT count(*), min(created_at), max(created_at) FROM sandbox_sandboxreceipt "
            "WHERE system = 'erp' AND idempotency_key LIKE %s",
            [prefix + "%"],
        ).fetchone()
    return count, (last - first).total_seconds() if count > 1 else 0.0


def drain_by_worker(stack: Stack, env: dict, db_url: str) -> float:
    """The README's orders worker drains the backlog; deliveries per second, first to last."""
    process = stack.start(
        "worker",
        [PYTHON, "-m", "celery", "-A", "integration_hub", "worker", "-Q", "orders"]
        + ["--concurrency", CONCURRENCY, "-n", "orders@%h", "-l", "warning"],
        env,
    )
    deadline = time.monotonic() + DRAIN_TIMEOUT
    while (count := receipts(db_url, "hub-")[0]) < ORDERS:
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(
                f"drain: {count} of {ORDERS} delivered; worker log:\n{stack.log('worker')[-3000:]}"
            )
        time.sleep(0.5)
    with psycopg.connect(db_url) as db:
        owed = db.execute("SELECT count(*) FROM exchange_delivery WHERE status <> 'delivered'")
        if owed.fetchone()[0]:
            raise SystemExit("drain: the ERP has every order, yet some deliveries are not settled")
    count, seconds = receipts(db_url, "hub-")
    return count / seconds


def bare_client(url: str, db_url: str, run: str) -> float:
    """The same ERP documents posted by plain requests, one keep-alive session per thread."""
    with psycopg.connect(db_url) as db:
        documents = [row[0] for row in db.execute("SELECT payload FROM exchange_delivery")]
    local = threading.local()

    def post(item: tuple[int, dict]) -> None:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        n, document = item
        answer = local.session.post(
            f"{url}/sandbox/erp/orders/",
            json=document,
            headers={"Authorization": f"Bearer {SANDBOX_TOKEN}", "Idempotency-Key": f"{run}{n}"},
            timeout=30,
        )
        if answer.status_code != 201:
            raise RuntimeError(f"bare post {n}: {answer.status_code} {answer.text[:300]}")

    with ThreadPoolExecutor(CONCURRENCY) as pool:
        list(pool.map(post, enumerate(documents)))
    count, seconds = receipts(db_url, run)
    assert count == len(documents) == ORDERS, (count, len(documents))
    return count / seconds


def main() -> None:
    # A timeout or Ctrl-C still stops every process and drops the database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with Stack() as stack:
        db_url = stack.postgres(DATABASE)
        env = hub_env(db_url, stack.folder, CELERY_BROKER_URL=broker(stack), SANDBOX_ENABLED="1")
        manage(env, "migrate", "--noinput", "-v0")
        url = stack.gunicorn(env, workers=4)
        manage(env, "seed_demo", "--hub-url", url)
        manage(env, "shell", "-c", ACCOUNTS_SETUP.format(accounts=ACCOUNTS))
        token = manage(env, "partner_token", "storefront").split()[-1]
        started = time.monotonic()
        place_backlog(url, token)
        print(f"backlog: {ORDERS} orders placed in {time.monotonic() - started:.1f} s", flush=True)
        bare_before = bare_client(url, db_url, "bare-a-")
        print(f"bare client, before: {bare_before:.1f}/s", flush=True)
        hub = drain_by_worker(stack, env, db_url)
        print(f"hub: {hub:.1f}/s", flush=True)
        bare_after = bare_client(url, db_url, "bare-b-")
        bare = (bare_before + bare_after) / 2
        print(f"bare client: {bare_before:.0f}/s before, {bare_after:.0f}/s after the hub")
        print(f"drain hub_per_s={hub:.1f} bare_per_s={bare:.1f} ratio={hub / bare:.2f}")


if __name__ == "__main__":
    main()
