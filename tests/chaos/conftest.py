"""Chaos tests: orders keep flowing while the hub's real processes are killed and restarted.

Each test owns its processes, each in a session of its own: a throwaway redis-server (never
the machine's), gunicorn serving the hub and with it the sandbox ERP, a Celery worker on every
queue, and celery beat, whose sweep re-enqueues what a lost message or a dead worker left
behind, as in production. The finalizer kills every process group, whatever the test did.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
import redis
import requests
from django.conf import settings
from django.db import connection

from apps.api.services import partner_token_issue
from apps.operations.demo_data import seed_demo
from tests.conftest import payload
from tests.realstack.conftest import _database_url, wait_for

ROOT = Path(__file__).resolve().parents[2]
# A delivery claimed by a worker that died is taken back after this many seconds.
LEASE_SECONDS = 5
# How long one order may take to be acknowledged through every outage a test makes.
ACK_PATIENCE = 90.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def services_required(*, postgres_binaries: bool = False) -> None:
    """Skip loudly (or fail under HUB_REQUIRE_SERVICES=1) without the servers chaos needs."""
    missing = [] if shutil.which("redis-server") else ["redis-server"]
    if postgres_binaries and not (pg_bin() and (os.geteuid() != 0 or shutil.which("runuser"))):
        missing.append("PostgreSQL server binaries")
    if not postgres_binaries and connection.vendor != "postgresql":
        missing.append("a PostgreSQL test database (run through tests/stack.py)")
    if not missing:
        return
    reason = f"chaos tests need {' and '.join(missing)}"
    if os.environ.get("HUB_REQUIRE_SERVICES") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def pg_bin() -> Path | None:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return candidates[-1].parent if candidates else None


class Processes:
    """Child processes, each in its own session, so a kill takes whatever it started too."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.running: dict[str, subprocess.Popen] = {}

    def start(self, name: str, command: list, env: dict | None = None) -> subprocess.Popen:
        with open(self.folder / f"{name}.log", "ab") as log:  # the child keeps its own copy
            process = subprocess.Popen(
                [str(part) for part in command],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.running[name] = process
        return process

    def kill(self, name: str) -> None:
        """SIGKILL the process group: no goodbye, as when a machine or a container dies."""
        process = self.running.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)

    def kill_all(self) -> None:
        for name in list(self.running):
            self.kill(name)

    def log_tail(self, name: str, size: int = 3000) -> str:
        log = self.folder / f"{name}.log"
        return log.read_text(errors="replace")[-size:] if log.exists() else ""


class ThrowawayRedis:
    """A redis-server of the test's own on a free port: flushed and restarted at will."""

    def __init__(self, processes: Processes):
        self.processes, self.port = processes, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.start()

    def start(self) -> None:
        self.processes.start(
            "redis",
            ["redis-server", "--port", self.port, "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--dir", self.processes.folder],
        )
        wait_for(self.answers, timeout=15)

    def answers(self) -> bool:
        """redis-server to answer PING"""
        with contextlib.suppress(redis.RedisError):
            return redis.Redis.from_url(self.url, socket_timeout=1).ping()
        return False

    def flush_and_stop(self) -> None:
        """Every queued message gone, then the server gone with it."""
        redis.Redis.from_url(self.url).flushall()
        self.processes.kill("redis")


class ThrowawayPostgres:
    """A PostgreSQL server of the test's own (run as the postgres user when root): crashed
    and started again at will, never the machine's."""

    def __init__(self):
        self.bin, self.port = pg_bin(), free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="hub-chaos-pg-"))
        self.dir.chmod(0o711)  # the postgres user must be able to enter it
        self.as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_pg:
            shutil.chown(self.dir, "postgres")
        self._run("initdb", "-D", self.dir / "data", "-U", "postgres", "-A", "trust", "--no-sync")
        self.start()
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as admin:
            admin.execute("CREATE DATABASE hub")
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/hub"

    def dsn(self, database: str = "hub") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, program: str, *args) -> None:
        command = [*self.as_pg, self.bin / program, *args]
        subprocess.run([str(part) for part in command], check=True, capture_output=True)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl",
            "-D",
            self.dir / "data",
            "-l",
            self.dir / "pg.log",
            "-w",
            "-o",
            options,
            "start",
        )

    def crash(self) -> None:
        """Stop at once, as a crash would: no checkpoint, sessions cut mid-transaction."""
        self._run("pg_ctl", "-D", self.dir / "data", "-m", "immediate", "-w", "stop")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.crash()
        shutil.rmtree(self.dir, ignore_errors=True)

    def scalar(self, sql: str):
        """One value from the hub's database; None while the server is down."""
        with (
            contextlib.suppress(psycopg.Error),
            psycopg.connect(self.dsn(), connect_timeout=2) as db,
        ):
            return db.execute(sql).fetchone()[0]
        return None


class Hub:
    """The hub's processes on one database and one broker: web, worker and beat."""

    def __init__(self, processes: Processes, *, database_url: str, broker_url: str):
        self.processes, self.port = processes, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = ""
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "integration_hub.settings",
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "CELERY_BROKER_URL": broker_url,
            "HUB_STATE_DIR": str(processes.folder),
            "HUB_DELIVERY_LEASE_SECONDS": str(LEASE_SECONDS),
            # A thousand orders in a minute is the load under test, not abuse to throttle.
            "HUB_PARTNER_RATE_PER_MINUTE": "1000000",
            # An open circuit lets its probe through soon, so a test is not a minute's wait.
            "HUB_CIRCUIT_COOLOFF_SECONDS": "2",
            # A request cut off by a dead database leaves its key "in progress" this long.
            "HUB_INTAKE_LEASE_SECONDS": "10",
            "HUB_LOG_FORMAT": "text",
        }

    def serve(self) -> None:
        """gunicorn with threads: the sandbox ERP's slow answers must not stall the API."""
        self.processes.start(
            "web",
            [sys.executable, "-m", "gunicorn", "integration_hub.wsgi"]
            + ["--bind", f"127.0.0.1:{self.port}", "--workers", "2", "--threads", "4"]
            + ["--timeout", "120"],
            env=self.env,
        )
        wait_for(self.answers, timeout=30)

    def answers(self) -> bool:
        """the hub to answer /healthz"""
        with contextlib.suppress(requests.RequestException):
            return requests.get(f"{self.url}/healthz", timeout=2).status_code == 200
        return False

    def work(self) -> None:
        """A Celery worker on every queue, one task at a time, as the demo's worker runs."""
        self.processes.start(
            "worker",
            [sys.executable, "-m", "celery", "-A", "integration_hub", "worker", "--pool=solo"]
            + ["--without-gossip", "--without-mingle", "-Q", ",".join(settings.HUB_QUEUES)]
            + ["-l", "warning"],
            env=self.env,
        )

    def supervise(self) -> None:
        """Restart a worker or beat that died, as production's process supervisor does.

        Seen here: after a Redis restart kombu's Redis transport can crash the worker while
        it closes its channel; in production systemd (Restart=always) starts it again.
        """
        for name, start in (("worker", self.work), ("beat", self.beat)):
            process = self.processes.running.get(name)
            if process is not None and process.poll() is not None:
                self.processes.running.pop(name)
                start()

    def beat(self) -> None:
        """celery beat: the delivery sweep every 10 seconds (settings.CELERY_BEAT_SCHEDULE)."""
        self.processes.start(
            "beat",
            [sys.executable, "-m", "celery", "-A", "integration_hub", "beat", "-l", "warning"]
            + ["-s", self.processes.folder / "celerybeat-schedule"],
            env=self.env,
        )

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()

    def erp_received(self) -> list[dict]:
        """What the sandbox ERP recorded, once per Idempotency-Key, in arrival order."""
        answer = requests.get(f"{self.url}/sandbox/erp/received/", timeout=30)
        answer.raise_for_status()
        return answer.json()["received"]

    def erp_faults(self, spec: dict | None) -> None:
        """Tell the sandbox ERP what to fake from its next call on; None clears."""
        url = f"{self.url}/sandbox/erp/faults/"
        answer = requests.post(url, json=spec, timeout=10) if spec else requests.delete(url)
        answer.raise_for_status()


@pytest.fixture
def processes(tmp_path):
    """Where the test's processes are started; every one of them is killed afterwards."""
    running = Processes(tmp_path)
    yield running
    running.kill_all()
    for name in ("web", "worker", "beat"):
        if tail := running.log_tail(name):
            print(f"--- {name} log (tail)\n{tail}")


@pytest.fixture
def postgres_hub(processes):
    """The hub on a throwaway PostgreSQL server and its own Redis: migrated, seeded, not yet
    started. The test's own database is not used."""
    services_required(postgres_binaries=True)
    server = ThrowawayPostgres()
    try:
        hub = Hub(processes, database_url=server.url, broker_url=ThrowawayRedis(processes).url)
        hub.manage("migrate", "--noinput", "-v0")
        hub.manage("seed_demo", "--hub-url", hub.url)
        hub.token = hub.manage("partner_token", "storefront")
        hub.postgres = server
        yield hub
    finally:
        processes.kill_all()  # nothing may hold a connection to a server being removed
        server.remove()


@pytest.fixture
def chaos_hub(transactional_db, processes):
    """The hub on the test's PostgreSQL database and its own Redis, seeded, not yet started."""
    services_required()
    broker = ThrowawayRedis(processes)
    hub = Hub(processes, database_url=_database_url(), broker_url=broker.url)
    seed_demo(hub_url=hub.url)
    hub.token = partner_token_issue(partner_code="storefront")
    hub.redis = broker
    return hub


# Only these two accounts may order through the storefront in the demo seed; each order
# carries the account's contract price (NW-1002 has one for bolts only), so none waits in
# quarantine.
SAMPLE = payload("order_storefront_cases.json")
LINES = {
    "NW-1001": SAMPLE["lines"],
    "NW-1002": [{"sku": "ACME-BOLT-M8", "quantity": "10", "uom": "CS", "unit_price": "4.32"}],
}
ACCOUNTS = tuple(LINES)


def order(*, account: str, po_number: str) -> dict:
    """The storefront's sample order for `account`; each PO number is a different body."""
    return {**SAMPLE, "account": account, "po_number": po_number, "lines": LINES[account]}


def streams_of_orders(*, count: int, streams: int, prefix: str) -> list[list[dict]]:
    """`count` orders in `streams` sequences, the accounts taken in turn."""
    return [
        [
            order(account=ACCOUNTS[s % len(ACCOUNTS)], po_number=f"{prefix}-{s}-{i:04d}")
            for i in range(s, count, streams)
        ]
        for s in range(streams)
    ]


class Storefront:
    """A partner client that retries each order under its key until the hub acknowledges it."""

    def __init__(self, hub: Hub, *, pause_after: int | None = None):
        self.hub = hub
        # Every answer other than 201 along the way ("no answer" when the request failed).
        self.refusals: Counter = Counter()
        self.acknowledged = 0
        # A fault must meet orders still to come, whatever the machine's speed: the streams
        # stop once this many orders are acknowledged, until the test has started the fault.
        self._pause_after = pause_after
        self._paused = threading.Event()
        self._resumed = threading.Event()
        self._count_lock = threading.Lock()

    def wait_until_paused(self, timeout: float = 120.0) -> None:
        assert self._pause_after is not None, "this storefront was not told when to pause"
        assert self._paused.wait(timeout), f"fewer than {self._pause_after} orders acknowledged"

    def resume(self) -> None:
        self._resumed.set()

    def _hold_if_paused(self) -> None:
        if self._pause_after is None or self.acknowledged < self._pause_after:
            return
        self._paused.set()
        self._resumed.wait(ACK_PATIENCE)  # a failed test never leaves a stream hanging

    def place(self, body: dict) -> str:
        """POST one order until 201; returns the hub's order number."""
        self._hold_if_paused()
        number = self._place_until_acknowledged(body)
        with self._count_lock:
            self.acknowledged += 1
        return number

    def _place_until_acknowledged(self, body: dict) -> str:
        key = f"chaos-{body['po_number']}"
        headers = {"Authorization": f"Token {self.hub.token}", "Idempotency-Key": key}
        deadline = time.monotonic() + ACK_PATIENCE
        with requests.Session() as session:
            while time.monotonic() < deadline:
                wait = self._attempt(session, body, headers)
                if isinstance(wait, str):
                    return wait
                time.sleep(wait)
        raise AssertionError(f"order {body['po_number']} was never acknowledged")

    def _attempt(self, session, body: dict, headers: dict) -> str | float:
        """The order number once acknowledged, else how long to wait before asking again."""
        try:
            answer = session.post(
                f"{self.hub.url}/api/v1/orders/", json=body, headers=headers, timeout=30
            )
        except requests.RequestException:
            self.refusals["no answer"] += 1
            return 0.5
        if answer.status_code == 201:
            return answer.json()["number"]
        self.refusals[answer.status_code] += 1
        return min(float(answer.headers.get("Retry-After", "0.5")), 5.0)

    def place_streams(self, streams: list[list[dict]]) -> list[list[str]]:
        """Each stream in order on its own thread; the order numbers, stream by stream."""
        with ThreadPoolExecutor(max_workers=len(streams)) as pool:
            return list(pool.map(lambda stream: [self.place(o) for o in stream], streams))


def erp_by_hub_number(received: list[dict]) -> dict[str, list[dict]]:
    """The ERP's receipts grouped by the hub order number they carry."""
    grouped: dict[str, list[dict]] = {}
    for row in received:
        grouped.setdefault(row["body"]["hub_order_number"], []).append(row)
    return grouped


def assert_each_once_in_order(received: list[dict], streams: list[list[str]]) -> None:
    """Every acknowledged order reached the ERP exactly once, each stream in its own order."""
    grouped = erp_by_hub_number(received)
    acknowledged = [number for stream in streams for number in stream]
    twice = {number: len(rows) for number, rows in grouped.items() if len(rows) > 1}
    assert not twice, f"orders the ERP received more than once: {twice}"
    assert set(grouped) == set(acknowledged), (
        f"lost: {sorted(set(acknowledged) - set(grouped))[:20]}, "
        f"unknown: {sorted(set(grouped) - set(acknowledged))[:20]}"
    )
    arrival = {row["body"]["hub_order_number"]: index for index, row in enumerate(received)}
    for stream in streams:
        # One client's orders for one account, each sent after the last was acknowledged.
        assert [arrival[number] for number in stream] == sorted(arrival[n] for n in stream)
