"""Order status: the ERP acknowledges, changes, rejects or cancels an order; the storefront hears.

Parse and map (ERP codes to the canonical order) live in `document.py`; this module checks
the sender against the matrix, applies the answer through the orders app's services and
routes one notification per change to the flow's target.
"""

from __future__ import annotations

from apps.core.errors import InvalidTransition
from apps.exchange.handlers import FlowHandler, flow_handler
from apps.exchange.handlers.order_status.document import (
    StatusChange,
    status_authorise,
    status_map,
    status_parse,
)
from apps.exchange.models import TraceOutcome
from apps.exchange.stages.intake import IntakeAnswer
from apps.exchange.stages.route import delivery_schedule
from apps.exchange.stages.trace import Trail
from apps.orders.models import Order
from apps.orders.services import order_acknowledge, order_cancel, order_reject

STATUS_FLOW = "order-status"


@flow_handler
class OrderStatus(FlowHandler):
    flow_code = STATUS_FLOW
    subject_type = "order"

    def receive(self, *, flow, partner, envelope, trail: Trail) -> IntakeAnswer:
        document = status_parse(raw=bytes(envelope.raw), flow=flow)
        decision = status_authorise(partner=partner)
        change = status_map(document=document, partner=partner)
        trail.subject_is("order", change.order.number)
        trail.record(**_mapped(flow, change))
        trail.record(
            "validate",
            f"{partner.code} owns order status in the ownership matrix "
            f"(business owner {decision.rule.business_owner.name}).",
        )
        before = _state(change.order)
        order = _apply(change, trail)
        after = _state(order)
        trail.record(**_applied(order, before, after))
        if after != before:  # the storefront hears of each change once, and of nothing else
            _route(flow, order, change, before, after, trail)
        return IntakeAnswer(200, _answer(change, after), order.number)


def _mapped(flow, change: StatusChange) -> dict:
    lines = {
        str(number): {"status": answer.status, "quantity": _text(answer.quantity)}
        for number, answer in change.lines.items()
    }
    return {
        "stage": "map",
        "message": f"ERP {change.erp_status} for its order {change.erp_order}: "
        f"{change.action} order {change.order.number} "
        f"(mapping v{flow.mapping_version}).",
        "data": {
            "mapping_version": flow.mapping_version,
            "erp_order": change.erp_order,
            "erp_status": change.erp_status,
            "action": change.action,
            "lines": lines,
        },
    }


def _apply(change: StatusChange, trail: Trail) -> Order:
    try:
        if change.action == "acknowledge":
            return order_acknowledge(order=change.order, lines=change.lines)
        if change.action == "reject":
            return order_reject(order=change.order, reason=change.reason)
        return order_cancel(order=change.order, reason=change.reason)
    except InvalidTransition as exc:
        # Recorded here, so the refusal is on the order's trace and not only the envelope's.
        trail.record("apply", exc.message, outcome=TraceOutcome.FAILED, data={"code": exc.code})
        raise


def _state(order: Order) -> dict:
    """The order's status and its lines as the storefront is told them."""
    lines = order.lines.select_related("product").order_by("line_number")
    return {
        "status": order.status,
        "lines": [
            {
                "line_number": line.line_number,
                "sku": line.product.sku,
                "quantity": _text(line.quantity),
                "confirmed_quantity": _text(line.confirmed_quantity),
                "status": line.status,
                "reason": line.status_reason,
            }
            for line in lines
        ],
    }


def _applied(order: Order, before: dict, after: dict) -> dict:
    if after == before:
        return {
            "stage": "apply",
            "message": f"Order {order.number} already stood as the ERP says; nothing changed.",
            "outcome": TraceOutcome.NOTE,
        }
    return {
        "stage": "apply",
        "message": f"Order {order.number}: {before['status']} → {after['status']}.",
        "data": {"before": before, "after": after},
    }


def _route(flow, order: Order, change, before: dict, after: dict, trail: Trail) -> None:
    if order.source_system_id != flow.target_system_id:
        # Another partner's order: the storefront must not hear of it.
        trail.record(
            "route",
            f"Not sent to {flow.target_system.code}: the order came from another system.",
            outcome=TraceOutcome.NOTE,
        )
        return
    payload = {
        "order_number": order.number,
        "po_number": order.po_number,
        "previous_status": before["status"],
        "reason": change.reason,
        **after,
    }
    delivery = delivery_schedule(
        flow=flow,
        subject_type="order",
        subject_key=order.number,
        path="order-status/",
        payload=payload,
    )
    trail.record(
        "route",
        f"Status {after['status']} queued for {flow.target_system.code} (delivery {delivery.pk}).",
        delivery=delivery,
    )


def _answer(change: StatusChange, after: dict) -> dict:
    """What the ERP is told: its own order number and lines, as the hub now holds them."""
    return {
        "order_number": change.erp_order,
        "status": after["status"],
        "lines": [
            {
                "line": line["line_number"],
                "status": line["status"],
                "confirmed_quantity": line["confirmed_quantity"],
            }
            for line in after["lines"]
        ],
    }


def _text(value) -> str | None:
    return None if value is None else format(value.normalize(), "f")
