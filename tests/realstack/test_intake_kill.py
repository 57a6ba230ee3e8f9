"""A real server process killed mid-request must not pin its Idempotency-Key forever.

gunicorn serves the hub on the test database. A second connection holds a lock on the orders
table, so the request stops inside its transaction after its envelope is stored; the server is
then killed with SIGKILL. A retry inside the lease answers 409 with Retry-After; once the
lease has lapsed the retry takes the work over and exactly one order exists.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
from datetime import timedelta

import psycopg
import pytest
import requests
from django.db import connection
from django.utils import timezone

from apps.exchange.models import Envelope, EnvelopeStatus
from apps.orders.models import Order
from tests.conftest import payload
from tests.realstack.conftest import ROOT, _database_url, wait_for

pytestmark = pytest.mark.realstack
KEY = "killed-mid-request-1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def start_server(real_stack, tmp_path):
    """gunicorn on the test database in its own process group; killed after the test."""
    servers = []

    def start() -> tuple[str, subprocess.Popen]:
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "DJANGO_SETTINGS_MODULE": "integration_hub.settings",
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "HUB_STATE_DIR": str(tmp_path),
            "HUB_INTAKE_LEASE_SECONDS": "300",
        }
        command = [sys.executable, "-m", "gunicorn", "integration_hub.wsgi"]
        command += ["--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "120"]
        process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
        servers.append(process)
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: _answers(url), timeout=30)
        return url, process

    yield start
    for process in servers:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)
    servers.clear()


def _answers(url: str) -> bool:
    """the server to answer /healthz"""
    try:
        return requests.get(f"{url}/healthz", timeout=2).status_code == 200
    except requests.ConnectionError:
        return False


def post_order(url: str, token: str, timeout: float = 30):
    return requests.post(
        f"{url}/api/v1/orders/",
        json=payload("order_storefront_cases.json"),
        headers={"Authorization": f"Token {token}", "Idempotency-Key": KEY},
        timeout=timeout,
    )


def stuck_envelope():
    """the request's envelope to be stored and processing"""
    return Envelope.objects.filter(idempotency_key=KEY, status=EnvelopeStatus.PROCESSING).first()


def test_key_of_a_killed_request_is_taken_over_after_its_lease(real_stack, start_server):
    url, server = start_server()
    with psycopg.connect(_dsn()) as blocker:
        blocker.execute("LOCK TABLE orders_order IN ACCESS EXCLUSIVE MODE")
        request = threading.Thread(target=_post_ignoring_the_kill, args=(url, real_stack.token))
        request.start()
        wait_for(stuck_envelope, timeout=30)
        os.killpg(server.pid, signal.SIGKILL)  # the master and its worker, mid-request
        server.wait(timeout=15)
        blocker.rollback()
    request.join(timeout=30)

    url, _ = start_server()
    inside_lease = post_order(url, real_stack.token)
    assert inside_lease.status_code == 409, inside_lease.text
    assert inside_lease.json()["error"]["code"] == "idempotency_key_in_progress"
    assert int(inside_lease.headers["Retry-After"]) > 0
    assert not Order.objects.exists()

    # Time passes: the dead request's lease lapses.
    past = timezone.now() - timedelta(seconds=1)
    Envelope.objects.filter(idempotency_key=KEY).update(lease_expires_at=past)
    taken_over = post_order(url, real_stack.token)
    assert taken_over.status_code == 201, taken_over.text
    assert post_order(url, real_stack.token).json() == taken_over.json()
    assert Order.objects.count() == 1
    assert Envelope.objects.filter(idempotency_key=KEY, status=EnvelopeStatus.ACCEPTED).count() == 1


def _post_ignoring_the_kill(url: str, token: str) -> None:
    # The server dies under this request; that is the point.
    with contextlib.suppress(requests.RequestException):
        post_order(url, token, timeout=60)


def _dsn() -> str:
    db = connection.settings_dict
    return f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
