"""`manage.py run_demo` for real: it serves the hub, tells its story and stops on Ctrl-C."""

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

# The demo always runs on its own SQLite file (see _demo_env): the PostgreSQL pass would only
# repeat the slowest test in the suite.
pytestmark = pytest.mark.no_test_database
BASE_DIR = Path(__file__).resolve().parents[2]
READY_LINE = "Ctrl-C stops everything"
READY_SECONDS = 120
STOP_SECONDS = 30


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _demo_env(state_dir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "HUB_STATE_DIR": str(state_dir),
        "DEBUG": "1",
        "SANDBOX_ENABLED": "1",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DJANGO_SETTINGS_MODULE": "integration_hub.settings",
    }
    # The demo is SQLite plus the embedded broker in its own folder, whatever the suite uses.
    for name in ("DATABASE_URL", "CELERY_BROKER_URL"):
        env.pop(name, None)
    return env


class _Output:
    """Reads a process's output on a thread, so a full pipe never blocks the demo."""

    def __init__(self, stream):
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream) -> None:
        for line in stream:
            self.lines.append(line)

    def wait_for(self, text: str, *, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if any(text in line for line in self.lines):
                return True
            if not self._thread.is_alive():
                return False
            time.sleep(0.2)
        return False

    def text(self) -> str:
        return "".join(self.lines)


def _refuses_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return False
    except OSError:
        return True


def _group_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def test_run_demo_serves_the_story_and_stops_everything_on_ctrl_c(tmp_path):
    port, env = _free_port(), _demo_env(tmp_path)
    manage = [sys.executable, str(BASE_DIR / "manage.py")]
    subprocess.run(
        [*manage, "migrate", "--noinput", "-v0"], cwd=BASE_DIR, env=env, check=True, timeout=120
    )
    # Its own session: the cleanup below can then kill the demo and every child it started.
    demo = subprocess.Popen(
        [*manage, "run_demo", "--port", str(port)],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    output = _Output(demo.stdout)
    try:
        assert output.wait_for(READY_LINE, seconds=READY_SECONDS), output.text()
        _assert_demo_serves(f"http://127.0.0.1:{port}")
        _assert_queue_mix(manage, env)
        # A small catalog sync from the sandbox PIM ran to the end as a SyncRun.
        summary = r"catalog-sync full run \d+ succeeded: fetched=200 applied=\d+"
        assert re.search(summary, output.text()), output.text()
        _assert_metrics_tell_the_story(f"http://127.0.0.1:{port}")
        # The story ends with reconciliation reports: the dropped refund posting is found.
        assert "reconcile settlement run" in output.text(), output.text()
        assert "gateway-ledger:refund_not_posted=1" in output.text(), output.text()
        # And the storefront's faulty import: stock off at both locations, two prices wrong.
        assert "wms-storefront:quantity_drift=2" in output.text(), output.text()
        prices = re.search(r"reconcile prices run .*", output.text())
        assert prices and "erp-storefront:price_mismatch=1" in prices.group(), output.text()
        assert "erp-storefront:missing_in_storefront=1" in prices.group(), output.text()
        demo.send_signal(signal.SIGINT)
        assert demo.wait(timeout=STOP_SECONDS) == 0, output.text()
    finally:
        if not _group_gone(demo.pid):
            os.killpg(demo.pid, signal.SIGKILL)
            demo.wait()
    assert "stopped" in output.text()
    assert _refuses_connections(port)
    assert _group_gone(demo.pid), "a child of run_demo is still running"


def _assert_queue_mix(manage: list[str], env: dict[str, str]) -> None:
    """Price mismatches, the refused SKU's dead letters, a possible duplicate, one overdue."""
    done = subprocess.run(
        [*manage, "demo_queue"], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    line = done.stdout
    counts = {name: int(n) for name, n in re.findall(r"(\w+) (\d+)", line)}
    assert counts.get("price_mismatch", 0) >= 4 and counts.get("delivery_failed", 0) >= 3, line
    assert counts.get("possible_duplicate", 0) >= 1 and counts.get("overdue", 0) >= 1, line


def _assert_metrics_tell_the_story(url: str) -> None:
    """After the story, /metrics carries each flow's figures: what came in, what waits, syncs."""
    response = requests.get(url + "/metrics", timeout=10)
    assert response.status_code == 200
    series = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            series[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value

    def total(name: str, **labels) -> float:
        wanted = set(labels.items())
        return sum(v for (n, ls), v in series.items() if n == name and wanted <= set(ls))

    assert total("hub_envelopes", flow="order-capture", status="accepted") >= 4
    assert total("hub_quarantine_open_items", flow="order-capture", reason="price_mismatch") >= 4
    assert total("hub_deliveries", flow="order-capture", status="dead") >= 3
    assert total("hub_deliveries", flow="order-capture", status="delivered") >= 1
    assert total("hub_sync_last_success_timestamp_seconds", flow="catalog-sync") > 0
    assert total("hub_sync_last_success_timestamp_seconds", flow="price-list-sync") > 0


def _assert_demo_serves(url: str) -> None:
    for path in ("/healthz", "/admin/login/", "/api/v1/docs/"):
        assert requests.get(url + path, timeout=10).status_code == 200, path
    received = requests.get(url + "/sandbox/erp/received/", timeout=10).json()["received"]
    assert len(received) >= 1
