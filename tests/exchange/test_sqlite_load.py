"""The embedded default under load: SQLite with a real worker delivering while partners post.

Issue 11 saw 77 of 150 concurrent orders answered 500 "database is locked". WAL, a busy
timeout and IMMEDIATE transactions (settings, "database") make writers queue instead.
"""

import os
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.db import connection

from apps.exchange.models import Delivery, DeliveryStatus
from integration_hub.celery import app as celery_app
from tests.conftest import payload
from tests.realstack.conftest import wait_for

# tests/stack.py leaves these out of its PostgreSQL pass: they are about the SQLite default.
pytestmark = pytest.mark.sqlite_only
ROOT = Path(__file__).resolve().parents[2]
ORDERS = 60
AT_ONCE = 6


def only_on_sqlite() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("checks the embedded SQLite default; this run is on " + connection.vendor)


@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode_with_immediate_transactions():
    only_on_sqlite()
    with connection.cursor() as cursor:
        assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert cursor.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        assert cursor.execute("PRAGMA busy_timeout").fetchone()[0] == 20_000
    assert connection.transaction_mode == "IMMEDIATE"


@pytest.fixture
def sqlite_only():
    only_on_sqlite()


@pytest.fixture
def sqlite_worker(sqlite_only, live_cast, tmp_path):
    """A real Celery worker process on the test's SQLite file and its filesystem broker."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get(
            "DJANGO_SETTINGS_MODULE", "integration_hub.test_settings"
        ),
        "DATABASE_URL": f"sqlite:///{connection.settings_dict['NAME']}",
        "CELERY_BROKER_URL": "filesystem://",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        # The same state folder, so both processes use the same broker folders.
        "HUB_STATE_DIR": str(settings.STATE_DIR),
    }
    command = [sys.executable, "-m", "celery", "-A", "integration_hub", "worker"]
    command += [
        "--pool=solo",
        "--without-gossip",
        "--without-mingle",
        "-Q",
        ",".join(settings.HUB_QUEUES),
        "-l",
        "info",
    ]
    # Orders are enqueued by the live server's threads in this process: through the broker too.
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    with open(tmp_path / "worker.log", "w") as log:
        worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        yield live_cast
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    celery_app.conf.task_always_eager = eager
    print((tmp_path / "worker.log").read_text()[-3000:])


def post_order(cast, n: int) -> requests.Response:
    body = payload("order_storefront_cases.json") | {"po_number": f"PO-LOAD-{n}"}
    return requests.post(
        f"{cast.url}/api/v1/orders/",
        json=body,
        headers={"Authorization": f"Token {cast.token}", "Idempotency-Key": f"load-{n}"},
        timeout=60,
    )


def erp_received_keys(url: str) -> set[str]:
    rows = requests.get(f"{url}/sandbox/erp/received/", timeout=10).json()["received"]
    return {row["idempotency_key"] for row in rows}


def test_concurrent_orders_while_the_worker_delivers_never_answer_5xx(sqlite_worker):
    cast = sqlite_worker
    with ThreadPoolExecutor(max_workers=AT_ONCE) as pool:
        answers = list(pool.map(lambda n: post_order(cast, n), range(ORDERS)))
    statuses = Counter(response.status_code for response in answers)
    failures = [r.text[:300] for r in answers if r.status_code != 201][:3]
    assert statuses == {201: ORDERS}, (statuses, failures)

    numbers = [response.json()["number"] for response in answers]
    delivered = Delivery.objects.filter(subject_key__in=numbers, status=DeliveryStatus.DELIVERED)

    def all_delivered():
        """the worker to deliver every order"""
        return delivered.count() == ORDERS

    wait_for(all_delivered, timeout=90)
    keys = set(delivered.values_list("idempotency_key", flat=True))
    assert keys <= erp_received_keys(cast.url)
