"""JSON over HTTP to an outside system, with failures classified for the retry policy."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http.cookiejar import DefaultCookiePolicy

import requests
from requests.adapters import HTTPAdapter

from apps.core.errors import TransportError

# 408 and 429 are the outside system asking us to come back later; 5xx are its own trouble.
RETRYABLE_STATUSES = {408, 425, 429, 500, 502, 503, 504}
# A target asking for more than a day is not believed past it; the retry window still bounds it.
MAX_RETRY_AFTER_SECONDS = 86_400
# Kept-alive connections per target and process: one per thread of a threaded worker pool.
POOL_SIZE = 16


@dataclass(frozen=True)
class RestResponse:
    status_code: int
    body: dict


def post_json(*, system, path: str, body: dict, idempotency_key: str) -> RestResponse:
    """POST `body` to `system`; raises TransportError that says whether a retry can help."""
    url, headers = _address(system, path)
    headers["Idempotency-Key"] = idempotency_key
    with _unreachable_as_transport_error(system):
        response = _post(system, url, body, headers)
    return _classify(system, response)


def get_json(*, system, path: str, params: dict, session: requests.Session | None = None) -> dict:
    """GET `path` of `system` with `params`: its JSON object, or TransportError.

    No kept-alive session unless the caller holds one: a page of a sync is seconds of work,
    so a connection per page costs nothing; a paged export passes its own for the pages.
    """
    url, headers = _address(system, path)
    with _unreachable_as_transport_error(system):
        response = (session or requests).get(
            url, params=params, headers=headers, timeout=system.timeout_seconds
        )
    if response.status_code >= 300:
        _classify(system, response)
    try:
        body = response.json()
    except ValueError as exc:
        raise TransportError(f"{system.code} answered with no JSON.", retryable=False) from exc
    if not isinstance(body, dict):
        raise TransportError(f"{system.code} answered JSON that is not an object.", retryable=False)
    return _without_token(system, body)


def _address(system, path: str) -> tuple[str, dict]:
    url = system.base_url.rstrip("/") + "/" + path.lstrip("/")
    headers = {"Accept": "application/json"}
    if system.auth_token:
        headers["Authorization"] = f"Bearer {system.auth_token}"
    return url, headers


@contextmanager
def _unreachable_as_transport_error(system):
    try:
        yield
    except requests.Timeout as exc:
        raise TransportError(f"{system.code} timed out: {exc}", retryable=True) from exc
    except requests.ConnectionError as exc:
        raise TransportError(f"{system.code} unreachable: {exc}", retryable=True) from exc


def _post(system, url: str, body: dict, headers: dict) -> requests.Response:
    session = session_for(system)
    try:
        return session.post(url, json=body, headers=headers, timeout=system.timeout_seconds)
    except requests.Timeout:
        raise
    except requests.ConnectionError:
        # A kept-alive connection the target closed while it sat idle fails on its next use.
        # The call carries its idempotency key, so it goes once more, on a new connection; a
        # target that is really unreachable fails this one too.
        return session.post(url, json=body, headers=headers, timeout=system.timeout_seconds)


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


class _Sessions:
    """One keep-alive `requests.Session` per target system in this process.

    A new TCP (and TLS) connection per delivery costs more than the delivery itself on a fast
    target. Sessions are keyed by the system and how it is reached, so a changed base URL or
    credential gets a fresh one; a forked child (Celery's prefork pool) starts with none, as
    sockets inherited from the parent would be shared by two processes.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._by_system: dict[str, tuple[str, requests.Session]] = {}

    def get(self, system) -> requests.Session:
        name, reach = str(system.pk or system.code), _reach(system)
        with self._lock:
            known = self._by_system.get(name)
            if known is not None and known[0] == reach:
                return known[1]
            session = _session_new()
            self._by_system[name] = (reach, session)
        if known is not None:
            known[1].close()
        return session

    def forget(self) -> None:
        """Drop every session without closing it (after fork the sockets are the parent's)."""
        self._lock = threading.Lock()
        self._by_system = {}


def _reach(system) -> str:
    # A digest, so the credential itself is kept nowhere but on the system row.
    token = hashlib.sha256((system.auth_token or "").encode()).hexdigest()
    return f"{system.base_url}|{token}"


def _session_new() -> requests.Session:
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=1, pool_maxsize=POOL_SIZE)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    # Each delivery stands alone, as with a bare request: no cookie carried to the next one.
    session.cookies.set_policy(_NO_COOKIES)
    return session


_NO_COOKIES = DefaultCookiePolicy(allowed_domains=[])
_SESSIONS = _Sessions()
os.register_at_fork(after_in_child=_SESSIONS.forget)


def session_for(system) -> requests.Session:
    """The kept-alive session this process uses to call `system`."""
    return _SESSIONS.get(system)
