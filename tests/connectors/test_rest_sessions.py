"""Deliveries reuse one kept-alive connection per target and process; a fork or a changed
address or credential gets a fresh one. Counted on a real local HTTP server."""

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from apps.connectors.rest.client import post_json
from apps.core.errors import TransportError
from apps.exchange.models import Delivery, DeliveryStatus
from apps.systems.models import System
from tests.exchange.test_validation import receive


class _KeepAlive(BaseHTTPRequestHandler):
    """An ERP stand-in speaking HTTP/1.1 with keep-alive; /500/ answers 500."""

    protocol_version = "HTTP/1.1"

    def do_POST(self):  # noqa: N802 - the http.server API
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        status = 500 if self.path.endswith("/500/") else 201
        self.server.posts += 1
        answer = json.dumps({"order_number": f"ERP-{self.server.posts}"}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


class CountingServer(ThreadingHTTPServer):
    """Counts the TCP connections it accepts."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _KeepAlive)
        self.accepted = self.posts = 0

    def get_request(self):
        self.accepted += 1
        return super().get_request()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}/"


@pytest.fixture
def counting_server():
    server = CountingServer()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def a_system(url: str, token: str = "t-1") -> System:
    return System(code=f"keepalive-{id(url)}", base_url=url, auth_token=token, timeout_seconds=5)


def post(system: System, path: str = "orders/") -> None:
    post_json(system=system, path=path, body={"n": 1}, idempotency_key="k")


def test_many_calls_to_one_target_share_one_connection(counting_server):
    system = a_system(counting_server.url)
    for _ in range(5):
        post(system)
    with pytest.raises(TransportError) as failed:
        post(system, "orders/500/")
    assert failed.value.retryable, "classification unchanged on a kept-alive connection"
    post(system)
    assert (counting_server.posts, counting_server.accepted) == (7, 1)


def test_a_changed_credential_or_address_gets_a_new_connection(counting_server):
    system = a_system(counting_server.url)
    post(system)
    system.auth_token = "t-2"
    post(system)
    post(system)
    system.base_url = counting_server.url.replace("127.0.0.1", "localhost")
    post(system)
    assert counting_server.accepted == 3


def test_a_forked_worker_opens_its_own_connection(counting_server):
    system = a_system(counting_server.url)
    post(system)
    child = os.fork()
    if child == 0:  # the child: a prefork pool process
        try:
            post(system)
        finally:
            os._exit(0)
    os.waitpid(child, 0)
    post(system)
    # The child did not write into the parent's socket; the parent's connection still works.
    assert (counting_server.posts, counting_server.accepted) == (3, 2)


@pytest.mark.django_db(transaction=True)
def test_orders_delivered_to_the_erp_over_one_connection(cast, counting_server):
    System.objects.filter(code="erp").update(base_url=counting_server.url)
    numbers = [
        receive(cast, "order_storefront_cases.json", key=f"ka-{i}", po_number=f"PO-KA-{i}")[
            "number"
        ]
        for i in range(6)
    ]
    delivered = Delivery.objects.filter(subject_key__in=numbers, status=DeliveryStatus.DELIVERED)
    assert delivered.count() == 6
    assert counting_server.accepted == 1
