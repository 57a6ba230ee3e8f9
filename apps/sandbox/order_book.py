"""The sandbox ERP's and storefront's own books of orders, as their list exports show them.

Built from what each system received (SandboxReceipt): the ERP's order intake and the status
actions its users took; the storefront's placed orders and the status notices it heard. The
reconciliation reads them over HTTP, in key order, a page at a time.
"""

from __future__ import annotations

from decimal import Decimal

from apps.sandbox.models import SandboxReceipt

MAX_PAGE = 1000
CENT = Decimal("0.01")
# The ERP's order codes, as its status documents carry them.
ERP_STATUS = {"AK": "acknowledged", "AC": "acknowledged", "RJ": "rejected", "CA": "cancelled"}


def _page(book: dict[str, dict], *, after: str, limit: int) -> list[dict]:
    keys = sorted(key for key in book if key > after)[: min(limit, MAX_PAGE)]
    return [book[key] for key in keys]


def erp_orders_page(*, after: str, limit: int) -> list[dict]:
    """The ERP's orders by the hub's order number, with status and confirmed total."""
    actions: dict[str, list[dict]] = {}
    for receipt in SandboxReceipt.objects.filter(system="erp", path__endswith="/status/"):
        actions.setdefault(receipt.body.get("order_number", ""), []).append(receipt.body)
    book = {}
    for receipt in SandboxReceipt.objects.filter(system="erp", path="orders/"):
        number = receipt.answer.get("order_number")
        if not number:
            continue
        book[receipt.body["hub_order_number"]] = _erp_order(receipt, actions.get(number, []))
    return _page(book, after=after, limit=limit)


def _erp_order(receipt: SandboxReceipt, actions: list[dict]) -> dict:
    status, lines = "submitted", {line["line"]: dict(line) for line in receipt.body["lines"]}
    for document in actions:
        status = ERP_STATUS[document["status"]]
        for answer in document.get("lines", []):
            line = lines.get(answer.get("line"))
            if line is not None and answer["status"] == "IQ":
                line["quantity"] = answer["quantity"]
            if line is not None and answer["status"] == "IR":
                line["quantity"] = "0"
    total = Decimal(0)
    if status not in ("rejected", "cancelled"):
        total = sum(
            (Decimal(str(line["quantity"])) * Decimal(str(line["unit_price"])))
            for line in lines.values()
        )
    return {
        "hub_order_number": receipt.body["hub_order_number"],
        "order_number": receipt.answer["order_number"],
        "status": status,
        "currency": receipt.body.get("currency", ""),
        "total": str(Decimal(total).quantize(CENT)),
        "received_at": receipt.created_at.isoformat(),
    }


def storefront_orders_page(*, after: str, limit: int) -> list[dict]:
    """The orders the storefront placed, by the hub's number, with what it was last told."""
    heard = {}
    for receipt in SandboxReceipt.objects.filter(system="storefront", path="order-status/"):
        heard[receipt.body.get("order_number")] = receipt.body.get("status")
    book = {}
    for receipt in SandboxReceipt.objects.filter(system="storefront", path="orders/"):
        number = receipt.answer.get("number")
        if not number:
            continue
        total = sum(
            Decimal(str(line["quantity"])) * Decimal(str(line["unit_price"]))
            for line in receipt.body.get("lines", [])
        )
        book[number] = {
            "number": number,
            "po_number": receipt.body.get("po_number", ""),
            "status": heard.get(number) or receipt.answer.get("status", ""),
            "currency": receipt.body.get("currency", ""),
            "total": str(Decimal(total).quantize(CENT)),
            "placed_at": receipt.created_at.isoformat(),
        }
    return _page(book, after=after, limit=limit)
