"""The ERP's order document: its own shape and codes, not the hub's canonical JSON.

The ERP knows customers and items by its own numbers (cross-references in the hub map them;
without one the hub's key is used), takes quantities in its units, and names lines by
number. `hub_order_number` travels along so the ERP's answer can be matched.
"""

from __future__ import annotations


def erp_order_document(
    *, hub_number: str, order: dict, customer: str, items: dict[str, str]
) -> dict:
    """The canonical order as the ERP's intake expects it."""
    return {
        "hub_order_number": hub_number,
        "customer": customer,
        "customer_po": order.get("po_number", ""),
        "currency": order["currency"],
        "ship_to": _address(order.get("ship_to") or {}),
        "lines": [_line(line, items) for line in order["lines"]],
    }


def _line(line: dict, items: dict[str, str]) -> dict:
    answer = {
        "line": line["line_number"],
        "item": items[line["sku"]],
        "quantity": line["quantity"],
        "uom": line["uom"],
        "unit_price": line["unit_price"],
    }
    if line.get("ship_to"):
        answer["ship_to"] = _address(line["ship_to"])
    if line.get("blanket"):
        answer["blanket_order"] = line["blanket"]
    return answer


def _address(address: dict) -> dict:
    if not address:
        return {}
    return {
        "name": address.get("name", ""),
        "street": " ".join(filter(None, [address.get("line1"), address.get("line2")])),
        "city": address.get("city", ""),
        "region": address.get("region", ""),
        "zip": address.get("postal_code", ""),
        "country": address.get("country", ""),
    }
