import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def real_stack(live_cast):
    """Refuse to pretend: these tests mean PostgreSQL and Redis, not the embedded defaults."""
    broker = settings.CELERY_BROKER_URL
    if connection.vendor != "postgresql" or not broker.startswith("redis://"):
        reason = "real-stack tests run through tests/stack.py (PostgreSQL + Redis)"
        if os.environ.get("HUB_REQUIRE_SERVICES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    redis.Redis.from_url(broker).flushdb()
    return live_cast


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture
def start_worker(real_stack, tmp_path):
    """Start a real Celery worker process on the test database; stopped after the test."""
    workers = []

    def start():
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "DJANGO_SETTINGS_MODULE": "integration_hub.settings",
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "HUB_STATE_DIR": str(tmp_path),
        }
        log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 - closed with the worker
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "integration_hub",
                "worker",
                "--pool=solo",
                "--without-gossip",
                "--without-mingle",
                "-Q",
                # Every queue: each flow class and beat's housekeeping, as the demo worker does.
                ",".join(settings.HUB_QUEUES),
                "-l",
                "info",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        workers.append((process, log))
        return process

    yield start
    for process, log in workers:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        print((tmp_path / "worker.log").read_text()[-3000:])


def wait_for(predicate, *, timeout: float = 60.0, every: float = 0.25):
    """Poll until predicate() is truthy; a bounded wait, never a speed assertion."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"gave up after {timeout}s waiting for {predicate.__doc__ or predicate}")
