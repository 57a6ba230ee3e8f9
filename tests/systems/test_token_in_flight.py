"""The token the hub presents to the ERP reaches the ERP and nowhere else: no row, no log."""

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import requests
from django.db import connection

from apps.connectors.rest.client import post_json
from apps.core.errors import TransportError
from apps.exchange.models import Delivery, DeliveryStatus
from apps.systems.models import System
from apps.systems.services import system_credentials_set
from tests.exchange.test_validation import receive

SEEDED = "sandbox-erp-token"
WRONG = "stale-erp-token-Qv81nT4m"


def every_stored_row() -> str:
    """Every row of every table, as text: whatever the hub stored, the search covers."""
    text = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"select * from {connection.ops.quote_name(table)}")
            text.append(repr(cursor.fetchall()))
    return "".join(text)


def logged(caplog) -> str:
    return "".join(f"{r.getMessage()} {r.args!r} {r.__dict__!r}" for r in caplog.records)


def test_delivered_order_leaves_the_token_in_no_row_and_no_log(live_cast, caplog):
    caplog.set_level(logging.DEBUG)
    receive(live_cast, "order_storefront_cases.json")
    assert Delivery.objects.get().status == DeliveryStatus.DELIVERED
    assert SEEDED not in every_stored_row()
    assert SEEDED not in logged(caplog)


def test_refused_token_leaves_no_trace_in_errors_dead_letters_or_logs(live_cast, caplog):
    caplog.set_level(logging.DEBUG)
    system_credentials_set(system=System.objects.get(code="erp"), token=WRONG, actor=None)
    receive(live_cast, "order_storefront_cases.json")
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.DEAD and "401" in delivery.last_error
    assert WRONG not in every_stored_row()
    assert WRONG not in logged(caplog)


def test_retried_failure_leaves_no_trace_of_the_token(live_cast, caplog):
    caplog.set_level(logging.DEBUG)
    requests.post(f"{live_cast.url}/sandbox/erp/faults/", json={"status": 502}, timeout=10)
    receive(live_cast, "order_storefront_cases.json")
    assert Delivery.objects.get().status == DeliveryStatus.RETRYING
    assert SEEDED not in every_stored_row()
    assert SEEDED not in logged(caplog)


class _EchoHeaders(BaseHTTPRequestHandler):
    """An outside system that answers with the headers it was sent (some do, on errors)."""

    def do_POST(self):
        status = int(self.path.strip("/"))
        answer = json.dumps({"you_sent": dict(self.headers)}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def echo_system():
    server = HTTPServer(("127.0.0.1", 0), _EchoHeaders)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield System(code="echo", base_url=f"http://127.0.0.1:{server.server_port}", auth_token=WRONG)
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("status", [200, 401, 502])
def test_token_echoed_back_by_a_system_is_redacted_from_its_answer(echo_system, status):
    try:
        answer = repr(
            post_json(system=echo_system, path=f"/{status}/", body={}, idempotency_key="k").body
        )
    except TransportError as exc:
        answer = exc.message
    assert "Bearer [redacted]" in answer and WRONG not in answer
