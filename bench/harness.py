"""Plumbing the benchmarks share: a PostgreSQL database, hub processes and a load generator.

Small on purpose, so each benchmark reads as its measurement and nothing else:

    with Stack() as stack:
        db = stack.postgres("hub_bench_x")          # created here, dropped on exit
        env = hub_env(db, stack.folder)             # what every hub process gets
        manage(env, "migrate", "--noinput")
        url = stack.gunicorn(env, workers=4)        # waits for the port, stopped on exit
        result = load_run(Target(url + "/healthz", method="GET"), concurrency=8, seconds=5)
        print(result.rps, result.p(99))

`load_run` runs the load in a second process (this file, run as a script) so the load
generator never shares an interpreter with the code it measures. Its connections are
keep-alive HTTP/1.1; a server that closes one is simply reconnected.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SEQ = "__SEQ__"  # replaced in a Target's body and headers by a number unique to the run


# ------------------------------------------------------------------ ports and processes
def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something accepts connections on host:port."""
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=1):
        return True
    return False


def wait_for_port(port: int, *, timeout: float = 30.0, process=None) -> None:
    """Block until the port accepts connections; raise if `process` dies or time runs out."""
    deadline = time.monotonic() + timeout
    while not port_open(port):
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process {process.args!r} exited with {process.returncode}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"nothing listens on port {port} after {timeout} s")
        time.sleep(0.1)


def manage(env: dict, *args: str) -> str:
    """Run `manage.py <args>` with `env`; its stdout, stripped. Raises on a non-zero exit."""
    done = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout.strip()


def hub_env(database_url: str, folder: Path, **extra: str) -> dict:
    """Environment for hub processes on `database_url`, state kept under `folder`.

    DEBUG off (production code paths), the partner rate limit out of the way (the load is
    what is measured, not abuse), and the embedded broker unless `extra` names another.
    """
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "integration_hub.settings",
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-" + "k7Qx2" * 12,
        "HUB_STATE_DIR": str(folder / "state"),
        "HUB_PARTNER_RATE_PER_MINUTE": "100000000",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "HUB_LOG_FORMAT": "text",
        "HUB_FIELD_ENCRYPTION_KEYS": "C1EvLSi-4-9rOsSHHtoAYpn_8Ka6NsZG0rYFtqUz1Qc=",
        **extra,
    }


class Stack(contextlib.ExitStack):
    """Servers and processes for one benchmark run; everything started is stopped on exit."""

    def __init__(self):
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="hub-bench-"))
        self.folder.chmod(0o711)  # a throwaway PostgreSQL's postgres user must enter it
        self.callback(shutil.rmtree, self.folder, ignore_errors=True)

    def postgres(self, name: str) -> str:
        """A fresh database `name` and its URL; dropped on exit.

        On the machine's server at 127.0.0.1:5432 when one runs, else on a throwaway server
        (initdb under this run's folder, as tests/stack.py starts one).
        """
        if port_open(5432):
            server = "postgres://postgres@127.0.0.1:5432"
        else:
            sys.path.insert(0, str(ROOT))
            from tests.stack import Throwaways

            throwaway = self.enter_context(Throwaways())
            server = throwaway.postgres().rsplit("/", 1)[0]
        _sql(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _sql(server, f'CREATE DATABASE "{name}"')
        self.callback(_sql, server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return f"{server}/{name}"

    def start(self, name: str, argv: list, env: dict) -> subprocess.Popen:
        """Start a process in its own group (output to <folder>/<name>.log); killed on exit."""
        log = open(self.folder / f"{name}.log", "wb")  # noqa: SIM115 - closed on exit
        process = subprocess.Popen(
            [str(arg) for arg in argv],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.callback(log.close)
        self.callback(_stop, process)
        return process

    def gunicorn(
        self,
        env: dict,
        *,
        workers: int = 4,
        wsgi: str = "integration_hub.wsgi",
        name: str = "gunicorn",
        extra: tuple[str, ...] = (),
    ) -> str:
        """gunicorn (gthread, one thread per worker: keep-alive works) serving `wsgi`; its URL."""
        port = free_port()
        process = self.start(
            name,
            [PYTHON, "-m", "gunicorn", wsgi, "--bind", f"127.0.0.1:{port}"]
            + ["--workers", str(workers), "--worker-class", "gthread", "--threads", "1"]
            + ["--keep-alive", "30", "--timeout", "120", "--log-level", "warning", *extra],
            env,
        )
        wait_for_port(port, process=process, timeout=60)
        return f"http://127.0.0.1:{port}"

    def log(self, name: str) -> str:
        """What a started process wrote so far (for an error message)."""
        path = self.folder / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _sql(server_url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as db:
        db.execute(statement)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


# ------------------------------------------------------------------ load generation
@dataclass
class Target:
    """One kind of request. `__SEQ__` in body or header values becomes a unique number."""

    url: str
    method: str = "POST"
    headers: dict = field(default_factory=dict)
    body: str = ""
    expect: tuple[int, ...] = (200, 201)


@dataclass
class LoadResult:
    """What a load run saw: completed requests, errors, throughput, latencies in ms."""

    count: int
    errors: int
    seconds: float
    latencies_ms: list[float]
    first_error: str = ""

    @property
    def rps(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def p(self, percentile: float) -> float:
        """The latency at `percentile` (0-100), nearest rank; 0 with no requests."""
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return 0.0
        rank = max(0, min(len(ordered) - 1, round(percentile / 100 * len(ordered)) - 1))
        return ordered[rank]


def load_run(
    target: Target,
    *,
    seconds: float,
    concurrency: int = 8,
    rate: float | None = None,
    prefix: str = "",
) -> LoadResult:
    """Load `target` from a second process and return what it measured.

    Closed loop when `rate` is None: `concurrency` connections, each sending its next request
    as soon as the previous answer arrives; throughput is the figure. Open loop with `rate`:
    requests are due at fixed times (rate per second) and sent on up to `concurrency` idle
    connections (more are opened when all are busy); latency is counted from the time a
    request was due, so queueing in the client or the server is included.
    `prefix` keeps the unique numbers of several runs against one database apart.
    """
    spec = {
        "target": asdict(target),
        "seconds": seconds,
        "concurrency": concurrency,
        "rate": rate,
        "prefix": prefix or f"{os.getpid()}-{time.time_ns()}",
    }
    done = subprocess.run(
        [PYTHON, str(Path(__file__).resolve()), "load"],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        timeout=seconds + 120,
    )
    if done.returncode:
        raise RuntimeError(f"load generator failed:\n{done.stderr[-3000:]}")
    return LoadResult(**json.loads(done.stdout))


class _Connection:
    """One keep-alive HTTP/1.1 connection; reconnects when the server closed it."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        for attempt in (1, 2):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            try:
                self.writer.write(raw)
                return await self._response()
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _response(self) -> tuple[int, bytes]:
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        body = await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def _raw_request(target: dict, path: str, host: str, seq: str) -> bytes:
    body = target["body"].replace(SEQ, seq).encode()
    headers = {"Host": host, "Content-Length": str(len(body)), "Connection": "keep-alive"}
    headers |= {name: value.replace(SEQ, seq) for name, value in target["headers"].items()}
    head = f"{target['method']} {path} HTTP/1.1\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    return (head + "\r\n").encode() + body


async def _load(spec: dict) -> dict:
    target, prefix = spec["target"], spec["prefix"]
    url = urlsplit(target["url"])
    path = url.path + (f"?{url.query}" if url.query else "")
    counter = iter(range(10**12))
    latencies: list[float] = []
    failures = {"errors": 0, "first": ""}
    idle: list[_Connection] = [
        _Connection(url.hostname, url.port) for _ in range(spec["concurrency"])
    ]

    async def one(due: float) -> None:
        connection = idle.pop() if idle else _Connection(url.hostname, url.port)
        raw = _raw_request(target, path, url.netloc, f"{prefix}-{next(counter)}")
        try:
            status, body = await connection.request(raw)
            if status not in target["expect"]:
                raise RuntimeError(f"HTTP {status}: {body[:300]!r}")
            latencies.append((time.perf_counter() - due) * 1000)
        except Exception as exc:  # noqa: BLE001 - counted and reported, the run goes on
            failures["errors"] += 1
            failures["first"] = failures["first"] or f"{type(exc).__name__}: {exc}"
            connection.close()
        idle.append(connection)

    start = time.perf_counter()
    end = start + spec["seconds"]
    if spec["rate"]:
        interval, pending, n = 1 / spec["rate"], set(), 0
        while (due := start + n * interval) < end:
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            task = asyncio.create_task(one(due))
            pending.add(task)
            task.add_done_callback(pending.discard)
            n += 1
        await asyncio.gather(*pending)
    else:

        async def loop() -> None:
            while time.perf_counter() < end:
                await one(time.perf_counter())

        await asyncio.gather(*(loop() for _ in range(spec["concurrency"])))
    elapsed = time.perf_counter() - start
    for connection in idle:
        connection.close()
    return {
        "count": len(latencies),
        "errors": failures["errors"],
        "seconds": elapsed,
        "latencies_ms": latencies,
        "first_error": failures["first"],
    }


if __name__ == "__main__" and sys.argv[1:] == ["load"]:
    print(json.dumps(asyncio.run(_load(json.load(sys.stdin)))))
