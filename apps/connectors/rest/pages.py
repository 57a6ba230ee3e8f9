"""Paged list exports over HTTP: `GET path?after=<cursor>&limit=<n>` until a page comes back short.

Systems export in key order, so a reader streams them a page at a time in bounded memory.
"""

from __future__ import annotations

from collections.abc import Iterator

import requests

from apps.connectors.rest.client import _classify
from apps.core.errors import TransportError

PAGE_SIZE = 500


def get_pages(*, system, path: str, page_size: int = PAGE_SIZE) -> Iterator[dict]:
    """Every row of a system's paged export, in its order; raises TransportError on failure."""
    url = system.base_url.rstrip("/") + "/" + path.lstrip("/")
    headers = {"Accept": "application/json"}
    if system.auth_token:
        headers["Authorization"] = f"Bearer {system.auth_token}"
    after = ""
    with requests.Session() as session:
        while True:
            params = {"after": after, "limit": page_size}
            try:
                response = session.get(
                    url, params=params, headers=headers, timeout=system.timeout_seconds
                )
            except requests.RequestException as exc:
                raise TransportError(f"{system.code} unreachable: {exc}", retryable=True) from exc
            body = _classify(system, response).body
            rows = body.get("results", [])
            yield from rows
            if len(rows) < page_size or not body.get("next"):
                return
            after = body["next"]
