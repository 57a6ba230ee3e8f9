"""One page of a source system's export for a batch run: `GET path?after=<cursor>&limit=<n>`.

The shape the sandbox ERP's price lists and WMS snapshot (and exports like them) answer:
`{"results": [...], "next": <cursor or null>, "total": <count, optional>}`. Shared by the
price-list sync and the inventory snapshot; registers no flow.
"""

from __future__ import annotations

from django.conf import settings

from apps.connectors.rest.client import get_json
from apps.core.errors import TransportError
from apps.exchange.models import SyncRun
from apps.exchange.stages.batch import Page


def source_page(*, run: SyncRun, path: str, cursor: str) -> Page:
    """The page after `cursor` from the run's flow's source; TransportError if it fails."""
    source = run.flow.source_system
    params = {"after": cursor, "limit": settings.HUB_BATCH_PAGE_SIZE}
    body = get_json(system=source, path=path, params=params)
    rows, following, total = body.get("results"), body.get("next") or "", body.get("total")
    if not isinstance(rows, list) or not isinstance(following, str | int):
        raise TransportError(f"{source.code} sent a page with no results list.", retryable=False)
    return Page(rows, str(following), total if isinstance(total, int) else None)
