"""A trace id per request and per task, carried into every log line and every trace row.

An operator holding a log line can find the business object's trace, and the trace page shows
the id to grep the logs for. The id comes from the caller when it sends one (W3C `traceparent`
or `X-Request-ID`), so a partner's or a proxy's correlation id runs through the hub; else the
hub makes one. Celery tasks inherit the id of whatever enqueued them.
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

from celery.signals import before_task_publish, task_postrun, task_prerun

HEADER = "hub_trace_id"
RESPONSE_HEADER = "X-Trace-Id"
_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$")
# Only what is safe to echo in a header and a log line, whatever a caller sends.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")

_current: contextvars.ContextVar[str] = contextvars.ContextVar(HEADER, default="")


def current_trace_id() -> str:
    return _current.get()


def new_trace_id() -> str:
    return uuid.uuid4().hex


def trace_id_from(headers) -> str:
    """The caller's correlation id when it is well formed, else a new one."""
    match = _TRACEPARENT.match(headers.get("traceparent", "").strip().lower())
    if match and match.group(1) != "0" * 32:
        return match.group(1)
    request_id = headers.get("X-Request-ID", "").strip()
    return request_id if _REQUEST_ID.match(request_id) else new_trace_id()


class TraceIdMiddleware:
    """Sets the trace id for the request and answers it in `X-Trace-Id`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current.set(trace_id_from(request.headers))
        try:
            response = self.get_response(request)
            response[RESPONSE_HEADER] = _current.get()
            return response
        finally:
            _current.reset(token)


class TraceIdLogFilter(logging.Filter):
    """Adds `trace_id` to every record, so the JSON formatter writes it on every line."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.trace_id = _current.get() or "-"
        return True


@before_task_publish.connect
def _carry_into_task(headers=None, **_):
    if headers is not None and _current.get():
        headers.setdefault(HEADER, _current.get())


_task_tokens: dict[str, contextvars.Token] = {}


@task_prerun.connect
def _enter_task(task_id=None, task=None, **_):
    carried = getattr(task.request, HEADER, None) if task is not None else None
    # An eager task runs inside its caller and keeps the caller's id.
    trace = carried or _current.get() or task_id or new_trace_id()
    _task_tokens[task_id] = _current.set(trace)


@task_postrun.connect
def _leave_task(task_id=None, **_):
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        _current.reset(token)
