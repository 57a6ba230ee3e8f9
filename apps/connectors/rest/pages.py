"""Paged list exports over HTTP: `GET path?after=<cursor>&limit=<n>` until a page comes back short.

Systems export in key order, so a reader streams them a page at a time in bounded memory.
"""

from __future__ import annotations

from collections.abc import Iterator

import requests

from apps.connectors.rest.client import get_json

PAGE_SIZE = 500


def get_pages(*, system, path: str, page_size: int = PAGE_SIZE) -> Iterator[dict]:
    """Every row of a system's paged export, in its order; raises TransportError on failure."""
    after = ""
    # One kept-alive connection for the pages of one export: a million rows is 2,000 pages.
    with requests.Session() as session:
        while True:
            params = {"after": after, "limit": page_size}
            body = get_json(system=system, path=path, params=params, session=session)
            rows = body.get("results", [])
            yield from rows
            if len(rows) < page_size or not body.get("next"):
                return
            after = body["next"]
