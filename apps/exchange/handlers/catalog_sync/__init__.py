"""Catalog sync: the PIM's catalog to the hub's products and on to the storefront, in pages.

Runs as a batch (`python manage.py sync catalog`, nightly from beat). Per page: check and map
each record (rules.py), hold bad ones and SKUs spelled twice for the catalog owner, skip
records whose fingerprint is unchanged, upsert the rest with history in bulk, and queue one
bulk product update to the storefront with only what changed.
"""

from __future__ import annotations

from django.conf import settings

from apps.catalog.selectors import products_sync_state, sku_rule_for, unit_table_for
from apps.catalog.services import products_write_synced
from apps.connectors.rest.client import get_json
from apps.core.errors import TransportError
from apps.exchange.handlers import flow_handler
from apps.exchange.handlers.catalog_sync import rules
from apps.exchange.handlers.catalog_sync.page import (
    kept_fields,
    matrix_decisions,
    page_sort,
    row_of,
    without_same_sku,
)
from apps.exchange.handlers.catalog_sync.replay import catalog_replay
from apps.exchange.handlers.catalog_sync.rules import Mapped
from apps.exchange.models import SyncRun
from apps.exchange.stages.batch import BatchHandler, Page, Prepared, Written
from apps.exchange.stages.route import delivery_schedule
from apps.quarantine.reasons import ReasonSpec, reason_register

CATALOG_FLOW = "catalog-sync"
STOREFRONT_PATH = "bulk/products/"

reason_register(
    ReasonSpec(
        rules.INVALID,
        "Product record incomplete or not mappable",
        lambda p: str(p.get("problem", ""))[:120],
    )
)
reason_register(
    ReasonSpec(rules.SAME_SKU, "Two PIM products become one hub SKU", lambda p: str(p.get("sku")))
)


@flow_handler
class CatalogSync(BatchHandler):
    flow_code = CATALOG_FLOW
    subject_type = "product"
    batch_name = "catalog"

    def __init__(self) -> None:
        self._run_context: tuple[int, dict] | None = None

    def _context(self, run: SyncRun) -> dict:
        # The PIM's SKU rule and unit table are read once per run, not per page.
        if self._run_context is None or self._run_context[0] != run.pk:
            source = run.flow.source_system
            context = {
                "source": source,
                "rule": sku_rule_for(system=source),
                "units": unit_table_for(system=source),
            }
            self._run_context = (run.pk, context)
        return self._run_context[1]

    def fetch(self, *, run: SyncRun, cursor: str, since) -> Page:
        params = {"limit": settings.HUB_BATCH_PAGE_SIZE, "cursor": cursor}
        if since is not None:
            params["updated_since"] = since.isoformat()
        source = self._context(run)["source"]
        body = get_json(system=source, path="products/", params=params)
        records, next_cursor = body.get("products"), body.get("next_cursor", "")
        if not isinstance(records, list) or not isinstance(next_cursor, str):
            raise TransportError(
                f"{source.code} sent a page with no products list.", retryable=False
            )
        return Page(records, next_cursor, body.get("total"))

    def prepare(self, *, run: SyncRun, records: list[dict]) -> Prepared:
        context = self._context(run)
        prepared = Prepared()
        mapped: list[Mapped] = []
        for record in records:
            result = rules.record_map(record, rule=context["rule"], units=context["units"])
            if isinstance(result, Mapped):
                mapped.append(result)
            else:
                prepared.rejected.append(rules.invalid(record, result))
        mapped = without_same_sku(mapped, prepared.rejected)
        decisions = matrix_decisions(context["source"])
        state = products_sync_state(skus={m.sku for m in mapped}, fields=kept_fields(decisions))
        page_sort(mapped, state, prepared, decisions)
        return prepared

    def write(self, *, run: SyncRun, good: list) -> Written:
        new = [row_of(m) for m, stored in good if stored is None]
        changed = [
            {**row_of(m), "created_at": stored["created_at"]} for m, stored in good if stored
        ]
        products_write_synced(
            new=new,
            changed=changed,
            reason=f"{CATALOG_FLOW} run {run.pk} from {run.flow.source_system.code}",
        )
        return Written(changed=[m for m, _ in good])

    def push(self, *, run: SyncRun, changed: list) -> int:
        delivery_schedule(
            flow=run.flow,
            subject_type="product page",
            subject_key=f"sync run {run.pk} page {run.pages + 1}",
            path=STOREFRONT_PATH,
            payload={"products": [rules.storefront_product(m) for m in changed]},
            line_key=f"sync-run-{run.pk}",
        )
        return len(changed)

    def replay(self, *, item, actor) -> None:
        catalog_replay(item=item, actor=actor, path=STOREFRONT_PATH)
