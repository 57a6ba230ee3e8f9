"""Logs: one JSON object per line on stderr in production, plain text with DEBUG on."""

import json
import subprocess
import sys

import pytest

from tests.core.test_settings_production import PRODUCTION, ROOT, hub_environment, manage

# Child processes on their own settings only (see test_settings_production): once is enough.
pytestmark = pytest.mark.no_test_database

# A 500 reaches django.request with the exception attached; this raises one the same way.
EMIT = """
import logging
try:
    1 / 0
except ZeroDivisionError:
    logging.getLogger("django.request").error("Internal Server Error: /x", exc_info=True)
logging.getLogger("apps.exchange").debug("claimed delivery")
"""


def json_lines(stderr: str) -> list[dict]:
    return [json.loads(line) for line in stderr.splitlines() if line.strip()]


def test_production_logs_a_500_as_one_json_object_with_its_traceback(tmp_path):
    result = manage("shell", "--no-imports", "-c", EMIT, env=PRODUCTION, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    (event,) = json_lines(result.stderr)  # every line parses; the DEBUG line is below INFO
    assert event["level"] == "ERROR"
    assert event["logger"] == "django.request"
    assert event["message"] == "Internal Server Error: /x"
    assert "ZeroDivisionError: division by zero" in event["exc_info"]
    assert "Traceback (most recent call last)" in event["exc_info"]


def test_hub_log_level_lowers_the_apps_logger(tmp_path):
    env = {**PRODUCTION, "HUB_LOG_LEVEL": "debug"}
    result = manage("shell", "--no-imports", "-c", EMIT, env=env, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    events = {event["logger"]: event for event in json_lines(result.stderr)}
    assert events["apps.exchange"]["level"] == "DEBUG"
    assert events["apps.exchange"]["message"] == "claimed delivery"


def test_debug_logs_plain_text_unless_told_json(tmp_path):
    text = manage("shell", "--no-imports", "-c", EMIT, env={"DEBUG": "1"}, tmp_path=tmp_path)
    assert text.returncode == 0, text.stderr
    assert "ERROR django.request Internal Server Error: /x" in text.stderr
    assert not text.stderr.lstrip().startswith("{")

    env = {"DEBUG": "1", "HUB_LOG_FORMAT": "json"}
    as_json = manage("shell", "--no-imports", "-c", EMIT, env=env, tmp_path=tmp_path)
    assert json_lines(as_json.stderr)[0]["logger"] == "django.request"


def test_a_celery_worker_logs_json_too(tmp_path):
    env = {**PRODUCTION, "CELERY_BROKER_URL": "filesystem://"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "integration_hub", "worker", "--pool=solo"],
        cwd=ROOT,
        env={**hub_environment(tmp_path), **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        ready = next(line for line in worker.stderr if "ready." in line)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert json.loads(ready)["logger"] == "celery.apps.worker"
