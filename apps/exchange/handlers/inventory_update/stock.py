"""Applying WMS figures and telling the storefront: shared by the webhook and the snapshot.

A batch (a webhook call or a snapshot page) is applied in a fixed number of queries: the
catalog's write service compares each level's sequence and writes history in bulk; the
storefront gets one bulk delivery of the levels whose figures changed; each changed level's
trace gets one row, all in one insert.
"""

from __future__ import annotations

from apps.catalog.services import InventoryApplied, inventory_levels_apply
from apps.exchange.handlers.inventory_update.document import Mapped, level_key, level_out
from apps.exchange.models import Delivery
from apps.exchange.stages.batch import Rejected
from apps.exchange.stages.route import delivery_schedule
from apps.exchange.stages.trace import trace_record_bulk
from apps.quarantine.reasons import ReasonSpec, reason_register

INVENTORY_FLOW = "inventory-update"
UNKNOWN_SKU = reason_register(
    ReasonSpec(
        "unknown_sku",
        "Names a SKU the hub does not know",
        lambda p: f"SKU {p.get('sku')} is not in the catalog",
    )
).code
INVALID_FIGURE = reason_register(
    ReasonSpec(
        "invalid_stock_figure",
        "A stock figure the hub cannot read",
        lambda p: f"{p.get('field')}: {p.get('error')}",
    )
).code
# One line for the flow's deliveries: a newer figure never reaches the storefront before an
# older one that is still being retried.
DELIVERY_LINE = "inventory"


def stock_apply(*, rows: list[dict], reason: str, repair_equal: bool = False) -> InventoryApplied:
    """The figures through the catalog's write service, in the WMS's order, with history."""
    return inventory_levels_apply(rows=rows, reason=reason, repair_equal=repair_equal)


def stock_push(*, flow, changed: list[dict], source: str) -> Delivery | None:
    """One bulk delivery of the changed levels to the flow's target; none if nothing changed."""
    if not changed or flow.target_system is None:
        return None
    return delivery_schedule(
        flow=flow,
        subject_type="inventory-batch",
        subject_key=source,
        path="bulk/inventory/",
        payload={"inventory": [level_out(row) for row in changed]},
        line_key=DELIVERY_LINE,
    )


def stock_trace(*, applied: InventoryApplied, message: str, envelope=None, delivery=None) -> None:
    """One row on each changed level's trace, naming the batch it came in (one insert)."""
    trace_record_bulk(
        steps=[
            {
                "subject_type": "inventory",
                "subject_key": level_key(row),
                "stage": "apply",
                "message": message,
                "data": level_out(row),
            }
            for row in applied.changed
        ],
        envelope=envelope,
        delivery=delivery,
    )


def stock_rejected(*, mapped: Mapped) -> list[Rejected]:
    """The figures the hub cannot apply, one per level, for the inventory owner's queue: a
    SKU the catalog lacks (add the product or a cross-reference) or a figure it cannot read."""
    held = [
        Rejected(
            subject_key=f"{item['sku']}@{item['location']}",
            reason_code=UNKNOWN_SKU,
            message=f"The WMS reports stock of {item['sku']} at {item['location']}, a SKU the "
            "hub does not know. Add the product (or a cross-reference); the next snapshot "
            "applies the figure.",
            problems=[{"sku": item["sku"], "location": item["location"]}],
            payload=item,
        )
        for item in mapped.unknown
    ]
    for item, problems in mapped.invalid:
        where = f"{item.get('sku', '?')}@{item.get('location', '?')}"
        held.append(
            Rejected(
                subject_key=where[:200],
                reason_code=INVALID_FIGURE,
                message=f"The WMS's figure for {where[:100]} cannot be read.",
                problems=[
                    {"field": name, "error": "; ".join(errors)} for name, errors in problems.items()
                ],
                payload=item,
            )
        )
    return held
