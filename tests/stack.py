"""Run the suite against real PostgreSQL and Redis: the machine's, else throwaway servers.

Three passes: the service and API tests on PostgreSQL (tasks in process, the same code paths
as the SQLite run), then the real-stack tests with Redis and a Celery worker process, then the
chaos tests, which start their own redis-server (and for one test their own PostgreSQL
server) and kill and restart them under load. Where neither the services nor their binaries
exist, the run is skipped with a loud reason, or fails when HUB_REQUIRE_SERVICES=1 (CI).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def reachable(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        return True
    return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pg_bin() -> Path | None:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return candidates[-1].parent if candidates else None


class Throwaways(contextlib.ExitStack):
    """Starts servers in a temporary folder and stops them on exit."""

    def __init__(self):
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="hub-stack-"))
        self.dir.chmod(0o711)  # the postgres user must be able to enter it
        self.callback(shutil.rmtree, self.dir, ignore_errors=True)

    def postgres(self) -> str:
        bindir, port, data = pg_bin(), free_port(), self.dir / "pg"
        data.mkdir()
        as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if as_pg:
            shutil.chown(data, "postgres")
        subprocess.run(
            [
                *as_pg,
                bindir / "initdb",
                "-D",
                data / "data",
                "-U",
                "postgres",
                "-A",
                "trust",
                "--no-sync",
            ],
            check=True,
            capture_output=True,
        )
        opts = f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off"
        ctl = [*as_pg, bindir / "pg_ctl", "-D", data / "data"]
        subprocess.run(
            [*ctl, "-l", data / "pg.log", "-w", "-o", opts, "start"],
            check=True,
            capture_output=True,
        )
        self.callback(subprocess.run, [*ctl, "-m", "fast", "-w", "stop"], capture_output=True)
        return f"postgres://postgres@127.0.0.1:{port}/hub"

    def redis(self) -> str:
        port = free_port()
        subprocess.run(
            [
                "redis-server",
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.dir,
                "--daemonize",
                "yes",
                "--pidfile",
                self.dir / "redis.pid",
            ],
            check=True,
            capture_output=True,
        )
        self.callback(
            subprocess.run,
            ["redis-cli", "-p", str(port), "shutdown", "nosave"],
            capture_output=True,
        )
        return f"redis://127.0.0.1:{port}/0"


def database_url(servers: Throwaways) -> str | None:
    if os.environ.get("HUB_TEST_DATABASE_URL"):
        return os.environ["HUB_TEST_DATABASE_URL"]
    if reachable(5432):
        return "postgres://postgres@127.0.0.1:5432/hub"
    return servers.postgres() if pg_bin() and shutil.which("runuser") else None


def broker_url(servers: Throwaways) -> str | None:
    if os.environ.get("HUB_TEST_BROKER_URL"):
        return os.environ["HUB_TEST_BROKER_URL"]
    if reachable(6379):
        return "redis://127.0.0.1:6379/15"
    return servers.redis() if shutil.which("redis-server") else None


def main(args: list[str]) -> int:
    with Throwaways() as servers:
        db, broker = database_url(servers), broker_url(servers)
        missing = [name for name, url in (("PostgreSQL", db), ("Redis", broker)) if not url]
        if missing:
            reason = f"{' and '.join(missing)} not running and not installed"
            if os.environ.get("HUB_REQUIRE_SERVICES") == "1":
                print(f"FAILED: real-stack tests need {reason} (HUB_REQUIRE_SERVICES=1)")
                return 1
            print(f"\n*** SKIPPED real-stack tests: {reason}. ***\n")
            return 0
        print(f"real-stack tests on {db} with broker {broker}")
        env = {**os.environ, "DATABASE_URL": db, "HUB_STATE_DIR": str(servers.dir / "state")}
        real = {"CELERY_TASK_ALWAYS_EAGER": "0", "CELERY_BROKER_URL": broker}
        # The PostgreSQL pass in pytest-xdist processes, each on its own test database (see the
        # Makefile). The real-stack and chaos tests share a worker and servers: one process.
        workers = ["-n", os.environ.get("HUB_TEST_WORKERS", "2"), "--dist", "loadgroup"]
        skipped = "not browser and not sqlite_only and not no_test_database"
        passes = [
            (
                {"CELERY_TASK_ALWAYS_EAGER": "1"},
                ["-m", f"not realstack and not chaos and {skipped}", *workers],
            ),
            (real, ["-m", "realstack"]),
            (real, ["-m", "chaos", "--durations=0"]),
        ]
        for extra, marks in passes:
            command = [sys.executable, "-m", "pytest", *marks, *args]
            code = subprocess.run(command, cwd=ROOT, env={**env, **extra}).returncode
            if code:
                return code
        return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
