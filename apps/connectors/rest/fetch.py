"""GET a JSON page from an outside system, with failures classified for the retry policy."""

from __future__ import annotations

import requests

from apps.connectors.rest.client import RETRYABLE_STATUSES, retry_after_seconds
from apps.core.errors import TransportError


def get_json(*, system, path: str, params: dict) -> dict:
    """GET `path` of `system` with `params`: its JSON object, or TransportError."""
    url = system.base_url.rstrip("/") + "/" + path.lstrip("/")
    headers = {"Accept": "application/json"}
    if system.auth_token:
        headers["Authorization"] = f"Bearer {system.auth_token}"
    try:
        # A connection per page: a page is seconds of work, so keep-alive would save nothing.
        response = requests.get(url, params=params, headers=headers, timeout=system.timeout_seconds)
    except requests.Timeout as exc:
        raise TransportError(f"{system.code} timed out: {exc}", retryable=True) from exc
    except requests.ConnectionError as exc:
        raise TransportError(f"{system.code} unreachable: {exc}", retryable=True) from exc
    if response.status_code >= 300:
        raise TransportError(
            f"{system.code} answered {response.status_code}: {response.text[:300]}",
            retryable=response.status_code in RETRYABLE_STATUSES,
            status_code=response.status_code,
            retry_after=retry_after_seconds(response.headers.get("Retry-After", "")),
        )
    try:
        body = response.json()
    except ValueError as exc:
        raise TransportError(f"{system.code} answered with no JSON.", retryable=False) from exc
    if not isinstance(body, dict):
        raise TransportError(f"{system.code} answered JSON that is not an object.", retryable=False)
    return body
