"""The ERP's status document: parsed against its schema, mapped from ERP codes to the order.

The ERP names an order by its own number (the hub keeps it as `Order.external_ref`) and its
lines by the line numbers the hub sent; statuses come in its own codes. No network in here.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from apps.accounts.selectors import accounts_visible_to
from apps.core.errors import NotFound, PermissionRefused, ValidationFailed
from apps.exchange.stages.intake import json_document
from apps.flows.schemas import schema_check
from apps.orders.models import Order, OrderLineStatus
from apps.orders.services import LineAnswer
from apps.ownership.services import WriteDecision, ownership_decide_write

# The ERP's order codes: AK acknowledged as ordered, AC acknowledged with line answers.
ERP_ORDER_CODES = {"AK": "acknowledge", "AC": "acknowledge", "RJ": "reject", "CA": "cancel"}
ERP_LINE_CODES = {
    "IA": OrderLineStatus.ACCEPTED,
    "IQ": OrderLineStatus.CHANGED,
    "IR": OrderLineStatus.REJECTED,
}


@dataclass(frozen=True)
class StatusChange:
    """The ERP's document in canonical terms: which order, what happens to it and its lines."""

    order: Order
    erp_order: str
    erp_status: str
    action: str
    lines: dict[int, LineAnswer]
    reason: str


def status_parse(*, raw: bytes, flow) -> dict:
    """Bytes to a document that matches the flow's schema, or a structured 400."""
    document = json_document(raw)
    schema_check(flow_code=flow.code, version=flow.schema_version, document=document)
    # Kept out of the JSON Schema: OpenAPI 3.0, which shows it to partners, has no if/then.
    has_lines = bool(document.get("lines"))
    if has_lines != (document["status"] == "AC"):
        raise ValidationFailed(
            "Only an AC (acknowledged with line answers) status carries lines, and it must.",
            fields={"lines": ["Lines go with status AC, and only with it."]},
        )
    return document


def status_authorise(*, partner) -> WriteDecision:
    """Only the system the matrix gives order.status to may report statuses.

    Decided before the order is looked up, so a refused sender gets the same answer for
    every order number and learns nothing about which exist.
    """
    decision = ownership_decide_write(
        entity="order", field="status", system=partner, creating=False
    )
    if not decision.allowed:
        raise PermissionRefused(
            f"The ownership matrix gives order status to {decision.rule.owner_system.code}; "
            f"{partner.code} may not report order statuses.",
            code="not_owner",
        )
    return decision


def status_map(*, document: dict, partner) -> StatusChange:
    """ERP codes to the canonical order (locked for this transaction) and line answers."""
    order = _order_of(document["order_number"], partner)
    return StatusChange(
        order=order,
        erp_order=document["order_number"],
        erp_status=document["status"],
        action=ERP_ORDER_CODES[document["status"]],
        lines=_line_answers(document.get("lines", []), order),
        reason=document.get("reason", ""),
    )


def _order_of(erp_number: str, partner) -> Order:
    # Locked from the moment it is found: two answers for one order apply one after the
    # other, and each sees the state the one before left.
    order = (
        Order.objects.select_for_update()
        .filter(external_ref=erp_number, account__in=accounts_visible_to(system=partner))
        .first()
    )
    if order is None:
        raise NotFound(f"No order {erp_number[:60]!r} that you may update.", code="not_found")
    return order


def _line_answers(sent: list[dict], order: Order) -> dict[int, LineAnswer]:
    known = set(order.lines.values_list("line_number", flat=True))
    answers, errors = {}, {}
    for index, line in enumerate(sent):
        problem = _line_problem(line, known, answers)
        if problem:
            errors[f"lines.{index}"] = [problem]
            continue
        quantity = Decimal(line["quantity"]) if line["status"] == "IQ" else None
        answers[line["line"]] = LineAnswer(
            ERP_LINE_CODES[line["status"]], quantity, line.get("reason", "")
        )
    if errors:
        raise ValidationFailed(
            f"Some lines do not match order {order.external_ref}.",
            code="unmappable",
            fields=errors,
        )
    return answers


def _line_problem(line: dict, known: set[int], answered: dict) -> str:
    if line["line"] not in known:
        return f"No line {line['line']} on this order."
    if line["line"] in answered:
        return f"Line {line['line']} is answered twice."
    if line["status"] == "IQ" and "quantity" not in line:
        return "A line answered IQ needs the quantity the ERP confirms."
    if line["status"] == "IQ" and Decimal(line["quantity"]) <= 0:
        return "A changed quantity must be more than zero; refuse the line with IR instead."
    return ""
