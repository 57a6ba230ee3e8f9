"""Price-list sync: the ERP's contract price lists to the hub, and what changed to the storefront.

Scheduled (beat, `bulk` queue) and on demand (`python manage.py sync prices`), as a `SyncRun`
through the batch stage, a page of the ERP's export at a time. The ERP is the authority for
contract prices in the ownership matrix; the sync writes only while it is, and a storefront's
write of a contract price is never applied (the matrix holds it for the pricing owner).
"""

from __future__ import annotations

from datetime import datetime

from apps.exchange.handlers import flow_handler
from apps.exchange.handlers.price_list_sync.document import (
    price_out,
    prices_authorise,
    prices_map,
)
from apps.exchange.handlers.source_pages import source_page
from apps.exchange.models import SyncMode, SyncRun
from apps.exchange.stages.batch import BatchHandler, Page, Prepared, Written
from apps.exchange.stages.route import delivery_schedule
from apps.exchange.stages.trace import trace_record_bulk
from apps.pricing.models import ContractPrice
from apps.pricing.services import contract_prices_upsert_bulk

PRICE_FLOW = "price-list-sync"
# The fields a price list sets; a row equal in all of them is unchanged and not written.
WRITTEN = ("unit_price", "currency", "uom", "valid_to", "min_quantity", "contract_number")
# One line: a newer price never reaches the storefront before an older one being retried.
DELIVERY_LINE = "prices"


@flow_handler
class PriceListSync(BatchHandler):
    flow_code = PRICE_FLOW
    subject_type = "contract_price"
    batch_name = "prices"
    batch_modes = (SyncMode.FULL,)

    def fetch(self, *, run: SyncRun, cursor: str, since: datetime | None) -> Page:
        return source_page(run=run, path="price-lists/", cursor=cursor)

    def prepare(self, *, run: SyncRun, records: list[dict]) -> Prepared:
        prices_authorise(writer=run.flow.source_system)
        page = prices_map(records=records, writer=run.flow.source_system)
        return Prepared(good=page.good, rejected=page.rejected)

    def write(self, *, run: SyncRun, good: list) -> Written:
        """Only new and changed prices are written (one read, then the bulk upsert)."""
        changed = _changed(good)
        erp = run.flow.source_system
        rows = [{**row, "authorised_by": erp} for row in changed]
        contract_prices_upsert_bulk(
            rows=rows, reason=f"{run.flow.code} run {run.pk} from {erp.code}"
        )
        trace_record_bulk(
            steps=[
                {
                    "subject_type": "contract_price",
                    "subject_key": _key(row),
                    "stage": "apply",
                    "message": f"Set by {erp.code}'s price list (sync run {run.pk}).",
                    "data": price_out(row),
                }
                for row in changed
            ]
        )
        return Written(changed=changed, unchanged=len(good) - len(changed))

    def push(self, *, run: SyncRun, changed: list) -> int:
        if run.flow.target_system is None:
            return 0
        delivery_schedule(
            flow=run.flow,
            subject_type="price-batch",
            subject_key=f"sync-{run.pk}-page-{run.pages + 1}",
            path="bulk/prices/",
            payload={"prices": [price_out(row) for row in changed]},
            line_key=DELIVERY_LINE,
        )
        return len(changed)


def _changed(rows: list[dict]) -> list[dict]:
    """The rows that are new or differ from the stored price, read in one query."""
    if not rows:
        return []
    stored = ContractPrice.objects.filter(
        account_id__in={row["account"].pk for row in rows},
        product_id__in={row["product"].pk for row in rows},
        valid_from__in={row["valid_from"] for row in rows},
    ).only("account", "product", "valid_from", *WRITTEN)
    by_key = {(p.account_id, p.product_id, p.valid_from): p for p in stored}
    changed = []
    for row in rows:
        price = by_key.get((row["account"].pk, row["product"].pk, row["valid_from"]))
        if price is None or any(getattr(price, name) != row[name] for name in WRITTEN):
            changed.append(row)
    return changed


def _key(row: dict) -> str:
    return f"{row['account'].number}/{row['product'].sku}/{row['valid_from'].isoformat()}"
