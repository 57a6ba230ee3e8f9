"""Reads from an outside system (one JSON page, a paged export) classify failures the way
deliveries do, on a real local HTTP server."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from apps.connectors.rest.client import get_json
from apps.connectors.rest.pages import get_pages
from apps.core.errors import TransportError
from apps.systems.models import System

ROWS = [{"key": f"K{n:03d}"} for n in range(7)]


class _Answers(BaseHTTPRequestHandler):
    """/rows/ is a paged export of ROWS; /status/<n>/, /text/, /list/ and /echo/ misbehave."""

    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802 - the http.server API
        self.server.accepted_paths.append(self.path)
        url = urlsplit(self.path)
        query = {name: values[0] for name, values in parse_qs(url.query).items()}
        if url.path == "/rows/":
            after, limit = query.get("after", ""), int(query["limit"])
            page = [row for row in ROWS if row["key"] > after][:limit]
            self.answer(200, {"results": page, "next": page[-1]["key"] if page else None})
        elif url.path.startswith("/status/"):
            self.answer(int(url.path.split("/")[2]), {"error": "no"}, {"Retry-After": "30"})
        elif url.path == "/text/":
            self.answer(200, b"<html>maintenance</html>")
        elif url.path == "/list/":
            self.answer(200, [1, 2])
        elif url.path == "/echo/":
            self.answer(200, {"seen": self.headers["Authorization"]})

    def answer(self, status: int, body, headers: dict | None = None):
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args):
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Answers)
        self.accepted_paths: list[str] = []
        self.connections = 0

    def get_request(self):
        self.connections += 1
        return super().get_request()


@pytest.fixture
def source():
    server = _Server()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield (
        server,
        System(
            code="pim",
            base_url=f"http://127.0.0.1:{server.server_port}",
            auth_token="secret-token",
            timeout_seconds=5,
        ),
    )
    server.shutdown()
    server.server_close()


def test_a_paged_export_streams_every_row_in_order_over_one_connection(source):
    server, system = source
    assert list(get_pages(system=system, path="rows/", page_size=3)) == ROWS
    assert len(server.accepted_paths) == 3  # 3 + 3 + a short page of 1
    assert server.connections == 1


@pytest.mark.parametrize(("status", "retryable"), [(503, True), (429, True), (400, False)])
def test_a_refused_read_says_whether_a_retry_can_help(source, status, retryable):
    _, system = source
    with pytest.raises(TransportError) as failed:
        get_json(system=system, path=f"status/{status}/", params={})
    assert (failed.value.status_code, failed.value.retryable) == (status, retryable)
    assert failed.value.retry_after == 30


@pytest.mark.parametrize(("path", "said"), [("text/", "no JSON"), ("list/", "not an object")])
def test_an_answer_that_is_not_a_json_object_is_a_permanent_failure(source, path, said):
    _, system = source
    with pytest.raises(TransportError, match=said) as failed:
        get_json(system=system, path=path, params={})
    assert not failed.value.retryable


def test_a_failing_page_stops_the_export_with_the_failure(source):
    _, system = source
    with pytest.raises(TransportError):
        list(get_pages(system=system, path="status/502/"))


def test_an_unreachable_source_is_a_retryable_failure():
    system = System(code="pim", base_url="http://127.0.0.1:9", timeout_seconds=2)
    with pytest.raises(TransportError, match="unreachable") as failed:
        get_json(system=system, path="rows/", params={})
    assert failed.value.retryable


def test_our_token_echoed_back_in_a_read_is_redacted(source):
    _, system = source
    assert get_json(system=system, path="echo/", params={}) == {"seen": "Bearer [redacted]"}
