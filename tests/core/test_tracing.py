"""One trace id per request and task: answered to the caller, on every log line and trace row."""

import json
import logging
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.test import Client
from pythonjsonlogger.json import JsonFormatter
from rest_framework.test import APIClient

from apps.core import tracing
from apps.exchange.models import TraceEvent
from tests.conftest import payload
from tests.core.test_settings_logging import EMIT, json_lines
from tests.core.test_settings_production import PRODUCTION, manage


def test_every_answer_carries_a_fresh_trace_id():
    first, second = Client().get("/healthz"), Client().get("/healthz")
    assert len(first["X-Trace-Id"]) == 32
    assert first["X-Trace-Id"] != second["X-Trace-Id"]
    assert tracing.current_trace_id() == ""  # nothing leaks past the request


def test_a_callers_correlation_id_runs_through():
    parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    assert Client().get("/healthz", HTTP_TRACEPARENT=parent)["X-Trace-Id"] == (
        "4bf92f3577b34da6a3ce929d0e0e4736"
    )
    response = Client().get("/healthz", HTTP_X_REQUEST_ID="partner-req-000123")
    assert response["X-Trace-Id"] == "partner-req-000123"


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_X_REQUEST_ID": "bad id\r\nX-Evil: 1"},
        {"HTTP_X_REQUEST_ID": "x" * 200},
        {"HTTP_TRACEPARENT": "00-00000000000000000000000000000000-00f067aa0ba902b7-01"},
        {"HTTP_TRACEPARENT": "garbage"},
    ],
)
def test_a_malformed_correlation_id_is_replaced(headers):
    trace_id = Client().get("/healthz", **headers)["X-Trace-Id"]
    assert len(trace_id) == 32 and trace_id.isalnum()


@pytest.mark.django_db
def test_the_orders_trace_rows_carry_the_requests_trace_id(cast):
    response = APIClient().post(
        "/api/v1/orders/",
        payload("order_storefront_cases.json"),
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-1",
        HTTP_X_REQUEST_ID="storefront-42-abc",
        **cast.auth(),
    )
    assert response.status_code == 201, response.content
    rows = TraceEvent.objects.filter(subject_key=response.json()["number"])
    assert rows.exists()
    assert set(rows.values_list("trace_id", flat=True)) == {"storefront-42-abc"}


def test_json_log_lines_carry_the_trace_id():
    formatter = JsonFormatter(**{k: v for k, v in _json_formatter().items() if k != "()"})
    record = logging.LogRecord("apps.exchange", logging.INFO, __file__, 1, "claimed", None, None)
    token = tracing._current.set("abc123abc123")
    try:
        tracing.TraceIdLogFilter().filter(record)
    finally:
        tracing._current.reset(token)
    assert json.loads(formatter.format(record))["trace_id"] == "abc123abc123"


def test_a_log_line_outside_any_request_says_so(tmp_path):
    result = manage("shell", "--no-imports", "-c", EMIT, env=PRODUCTION, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json_lines(result.stderr)[0]["trace_id"] == "-"


def test_a_task_inherits_the_id_of_whatever_enqueued_it():
    headers = {}
    token = tracing._current.set("enqueuer-trace-1")
    try:
        tracing._carry_into_task(headers=headers)
    finally:
        tracing._current.reset(token)
    assert headers == {tracing.HEADER: "enqueuer-trace-1"}

    task = SimpleNamespace(request=SimpleNamespace(**headers))
    tracing._enter_task(task_id="t-1", task=task)
    assert tracing.current_trace_id() == "enqueuer-trace-1"
    tracing._leave_task(task_id="t-1")
    assert tracing.current_trace_id() == ""


def test_a_task_nobody_traced_uses_its_own_id():
    tracing._enter_task(task_id="task-77", task=SimpleNamespace(request=SimpleNamespace()))
    assert tracing.current_trace_id() == "task-77"
    tracing._leave_task(task_id="task-77")


def _json_formatter() -> dict:
    return settings.LOGGING["formatters"]["json"]
