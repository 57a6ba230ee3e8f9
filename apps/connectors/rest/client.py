"""JSON over HTTP to an outside system, with failures classified for the retry policy."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import requests

from apps.core.errors import TransportError

# 408 and 429 are the outside system asking us to come back later; 5xx are its own trouble.
RETRYABLE_STATUSES = {408, 425, 429, 500, 502, 503, 504}
# A target asking for more than a day is not believed past it; the retry window still bounds it.
MAX_RETRY_AFTER_SECONDS = 86_400


@dataclass(frozen=True)
class RestResponse:
    status_code: int
    body: dict


def post_json(*, system, path: str, body: dict, idempotency_key: str) -> RestResponse:
    """POST `body` to `system`; raises TransportError that says whether a retry can help."""
    url = system.base_url.rstrip("/") + "/" + path.lstrip("/")
    headers = {"Idempotency-Key": idempotency_key, "Accept": "application/json"}
    if system.auth_token:
        headers["Authorization"] = f"Bearer {system.auth_token}"
    try:
        response = requests.post(url, json=body, headers=headers, timeout=system.timeout_seconds)
    except requests.Timeout as exc:
        raise TransportError(f"{system.code} timed out: {exc}", retryable=True) from exc
    except requests.ConnectionError as exc:
        raise TransportError(f"{system.code} unreachable: {exc}", retryable=True) from exc
    return _classify(system, response)


def _classify(system, response: requests.Response) -> RestResponse:
    try:
        body = response.json() if response.content else {}
    except ValueError:
        body = {"raw": response.text[:2000]}
    body = _without_token(system, body)
    if response.status_code < 300:
        return RestResponse(response.status_code, body)
    retryable = response.status_code in RETRYABLE_STATUSES
    code = "auth_failed" if response.status_code in (401, 403) else "transport_error"
    raise TransportError(
        f"{system.code} answered {response.status_code}: {str(body)[:500]}",
        retryable=retryable,
        status_code=response.status_code,
        code=code,
        retry_after=retry_after_seconds(response.headers.get("Retry-After", "")),
    )


def retry_after_seconds(value: str) -> int | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None if absent."""
    value = value.strip()
    if value.isdigit():
        return min(int(value), MAX_RETRY_AFTER_SECONDS)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    seconds = (when - datetime.now(UTC)).total_seconds()
    return max(0, min(int(seconds) + 1, MAX_RETRY_AFTER_SECONDS))


def _without_token(system, body):
    # Some systems echo the request's headers back in their answers; what they answer ends up
    # in the trace, the delivery row and error messages, where our token must never be.
    if not system.auth_token:
        return body
    encoded = json.dumps(system.auth_token)[1:-1]
    return json.loads(json.dumps(body).replace(encoded, "[redacted]"))
