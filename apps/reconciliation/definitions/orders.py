"""Orders: what the storefront placed, what the hub holds, what the ERP holds.

Statuses are compared in each pair's own terms: the storefront hears only what the ERP did
to an order (before that, every hub status is "open" to it); the ERP knows an order as
submitted until one of its users acts on it. Totals: the storefront and the hub compare
what was ordered; the hub and the ERP compare what the ERP confirmed.
"""

from __future__ import annotations

from decimal import Decimal

from apps.orders.models import Order, OrderLineStatus, OrderStatus
from apps.reconciliation.engine import MISSING_LEFT, MISSING_RIGHT, Difference, Field
from apps.reconciliation.registry import (
    Assessment,
    Comparison,
    Reconciliation,
    RunContext,
    registry,
)
from apps.reconciliation.sources import before, hub_rows, money, system_rows

NOT_SENT = [OrderStatus.QUARANTINED, OrderStatus.PENDING_APPROVAL, OrderStatus.CREDIT_HOLD]
OPEN = {OrderStatus.RECEIVED, OrderStatus.SUBMITTED, *NOT_SENT}
ACKNOWLEDGED = {
    OrderStatus.ACKNOWLEDGED,
    OrderStatus.PARTIALLY_SHIPPED,
    OrderStatus.SHIPPED,
    OrderStatus.INVOICED,
}
CLOSED = {OrderStatus.REJECTED, OrderStatus.CANCELLED}
FIELDS = (Field("status"), Field("total"))


def storefront_stage(status: str) -> str:
    return "open" if status in OPEN else status


def erp_stage(status: str) -> str:
    if status in (OrderStatus.RECEIVED, OrderStatus.SUBMITTED):
        return "submitted"
    return "acknowledged" if status in ACKNOWLEDGED else status


def ordered_total(order: Order) -> Decimal:
    return sum((line.quantity * line.unit_price for line in order.lines.all()), Decimal(0))


def confirmed_total(order: Order) -> Decimal:
    if order.status in CLOSED:
        return Decimal(0)
    dropped = (OrderLineStatus.REJECTED, OrderLineStatus.CANCELLED)
    return sum(
        (
            (line.confirmed_quantity if line.confirmed_quantity is not None else line.quantity)
            * line.unit_price
            for line in order.lines.all()
            if line.status not in dropped
        ),
        Decimal(0),
    )


def _hub_orders(context: RunContext):
    return Order.objects.filter(created_at__lt=context.cutoff).prefetch_related("lines")


def hub_for_storefront(context: RunContext):
    orders = _hub_orders(context).filter(source_system__code="storefront")
    return hub_rows(
        orders,
        key="number",
        record=lambda o: {"status": storefront_stage(o.status), "total": money(ordered_total(o))},
    )


def storefront_orders(context: RunContext):
    return system_rows(
        system_code="storefront",
        path="orders/",
        key="number",
        record=lambda r: {"status": storefront_stage(r["status"]), "total": money(r["total"])},
        keep=before(context.cutoff, "placed_at"),
    )


def hub_for_erp(context: RunContext):
    return hub_rows(
        _hub_orders(context).exclude(status__in=NOT_SENT),
        key="number",
        record=lambda o: {"status": erp_stage(o.status), "total": money(confirmed_total(o))},
    )


def erp_orders(context: RunContext):
    return system_rows(
        system_code="erp",
        path="order-book/",
        key="hub_order_number",
        record=lambda r: {"status": r["status"], "total": money(r["total"])},
        keep=before(context.cutoff, "received_at"),
    )


def _total(record: dict | None) -> Decimal:
    return Decimal(record["total"]) if record else Decimal(0)


def _assess(comparison: str, left: str, right: str):
    def assess(d: Difference) -> Assessment:
        common = {"subject_type": "order", "subject_key": d.key}
        if d.kind in (MISSING_LEFT, MISSING_RIGHT):
            absent, present = (left, right) if d.kind == MISSING_LEFT else (right, left)
            record = d.left or d.right
            return Assessment(
                kind=f"missing_in_{absent}",
                effect=f"Order {d.key} ({record['total']}) is in the {present} but not in "
                f"the {absent}: {MISSING_EFFECT[absent]}",
                entity="order",
                field="status",
                action=MISSING_ACTION[absent],
                value_at_stake=_total(record),
                **common,
            )
        if "status" in d.fields:
            return Assessment(
                kind="status_mismatch",
                effect=f"Order {d.key} is {d.left['status']} in the {left} but "
                f"{d.right['status']} in the {right}.",
                entity="order",
                field="status",
                action=STATUS_ACTION[comparison],
                value_at_stake=max(_total(d.left), _total(d.right)),
                **common,
            )
        return Assessment(
            kind="total_mismatch",
            effect=f"Order {d.key} totals {d.left['total']} in the {left} but "
            f"{d.right['total']} in the {right}.",
            entity="order_line",
            field="unit_price",
            action="Confirm the authorised prices and quantities with the buyer; correct the "
            "order in the system that is wrong.",
            value_at_stake=abs(_total(d.left) - _total(d.right)),
            **common,
        )

    return assess


MISSING_EFFECT = {
    "erp": "it will not be fulfilled or invoiced.",
    "storefront": "the buyer cannot see or track it.",
    "hub": "nothing the hub does reaches it, and its trace is empty.",
}
MISSING_ACTION = {
    "erp": "Open the order's trace: replay its dead-lettered delivery to the ERP, or cancel it "
    "with the buyer.",
    "storefront": "Send the buyer the order confirmation, or cancel the order if it was not meant.",
    "hub": "Find where the order came from; capture it in the hub or cancel it at its source.",
}
STATUS_ACTION = {
    "storefront-hub": "Re-send the status notice to the storefront (look for its dead letter).",
    "hub-erp": "Replay the ERP's status message to the hub, or correct the status in the ERP.",
}


registry.register(
    Reconciliation(
        name="orders",
        title="Orders: storefront, hub and ERP",
        flow_code="order-capture",
        comparisons=(
            Comparison(
                name="storefront-hub",
                left="storefront",
                right="hub",
                fields=FIELDS,
                left_rows=storefront_orders,
                right_rows=hub_for_storefront,
                assess=_assess("storefront-hub", "storefront", "hub"),
            ),
            Comparison(
                name="hub-erp",
                left="hub",
                right="erp",
                fields=FIELDS,
                left_rows=hub_for_erp,
                right_rows=erp_orders,
                assess=_assess("hub-erp", "hub", "erp"),
            ),
        ),
    )
)
