"""Writes to canonical orders. Callers hold the transaction; these never call out."""

from __future__ import annotations

import uuid
from decimal import Decimal

from apps.core.errors import InvalidTransition
from apps.orders.models import Order, OrderLine


def order_create(
    *,
    account,
    source_system,
    po_number: str,
    currency: str,
    ship_to: dict,
    lines: list[dict],
    status: str,
) -> Order:
    """Create an order and its lines from a validated canonical document."""
    order = Order.objects.create(
        number=f"tmp-{uuid.uuid4().hex[:24]}",
        account=account,
        source_system=source_system,
        po_number=po_number,
        currency=currency,
        ship_to=ship_to,
        status=status,
    )
    # The number derives from the primary key, which exists only after the insert.
    order.number = f"HUB-{order.pk:07d}"
    order.save(update_fields=["number"])
    for line in lines:
        OrderLine.objects.create(
            order=order,
            line_number=line["line_number"],
            product=line["product"],
            quantity=line["quantity"],
            uom=line["uom"],
            unit_price=line["unit_price"],
            ship_to=line.get("ship_to") or {},
        )
    return order


def order_transition(
    *, order: Order, from_statuses: list[str], to_status: str, external_ref: str | None = None
) -> Order:
    """Move an order between statuses; refuses if another actor moved it first."""
    changes: dict = {"status": to_status}
    if external_ref is not None:
        changes["external_ref"] = external_ref
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if locked.status not in from_statuses:
        raise InvalidTransition(
            f"Order {order.number} is {locked.status}, not one of {', '.join(from_statuses)}."
        )
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.save(update_fields=[*changes, "updated_at"])
    return locked


def order_reprice_lines(*, order: Order, prices: dict[int, Decimal]) -> None:
    """Set corrected unit prices by line number; history records each change."""
    for line in order.lines.filter(line_number__in=prices):
        line.unit_price = prices[line.line_number]
        line.save(update_fields=["unit_price", "updated_at"])
