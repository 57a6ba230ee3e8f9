"""The benchmark plumbing imports and its load generator measures (the benchmarks are not tests)."""

import http.server
import threading

from bench.harness import LoadResult, Target, free_port, load_run, port_open, wait_for_port


class _Answer(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as gunicorn's gthread workers answer

    def do_POST(self):  # noqa: N802 - the name http.server calls
        body = self.rfile.read(int(self.headers["Content-Length"]))
        status = 201 if b"seq-" in body and self.headers["Idempotency-Key"] != "k-__SEQ__" else 400
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_percentiles_use_the_nearest_rank():
    result = LoadResult(count=4, errors=0, seconds=2.0, latencies_ms=[4.0, 1.0, 3.0, 2.0])
    assert result.rps == 2.0
    assert (result.p(50), result.p(99), result.p(100)) == (2.0, 4.0, 4.0)
    assert LoadResult(count=0, errors=0, seconds=1.0, latencies_ms=[]).p(99) == 0.0


def test_a_closed_and_an_open_loop_reach_a_server_with_unique_numbers():
    port = free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), _Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        wait_for_port(port, timeout=5)
        target = Target(
            f"http://127.0.0.1:{port}/x",
            headers={"Idempotency-Key": "k-__SEQ__"},
            body='{"po": "seq-__SEQ__"}',
            expect=(201,),
        )
        closed = load_run(target, seconds=0.5, concurrency=2)
        opened = load_run(target, seconds=0.5, concurrency=2, rate=20)
    finally:
        server.shutdown()
        server.server_close()
    assert closed.count > 0 and closed.errors == 0, closed.first_error
    assert opened.errors == 0 and 8 <= opened.count <= 11
    assert not port_open(port)
