"""The ERP's price-list export in canonical terms: accounts, products and typed prices.

A page is mapped in a fixed number of queries (accounts by number, products through the
ERP's cross-references and SKU rule); a row that names something the hub does not know, or
holds a value the columns cannot, comes back refused with its reason. No network in here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError

from apps.accounts.models import CompanyAccount
from apps.catalog.selectors import products_for
from apps.core.errors import PermissionRefused
from apps.exchange.stages.batch import Rejected
from apps.ownership.services import ownership_decide_writes, ownership_decision_of
from apps.pricing.models import ContractPrice
from apps.quarantine.reasons import ReasonSpec, reason_register

# The ERP's names for the price fields, and the hub's.
FIELDS = {
    "unit_price": "unit_price",
    "currency": "currency",
    "uom": "uom",
    "valid_to": "valid_to",
    "min_quantity": "min_quantity",
    "contract": "contract_number",
}
DEFAULTS = {
    name: ContractPrice._meta.get_field(name).get_default()
    for name in FIELDS.values()
    if name != "unit_price"
}
UNKNOWN_REFERENCE = reason_register(
    ReasonSpec(
        "unknown_price_reference",
        "A price for an account or SKU the hub does not know",
        lambda p: f"{p.get('field')} {p.get('value')} is not known to the hub",
    )
).code
INVALID_PRICE = reason_register(
    ReasonSpec(
        "invalid_price",
        "A price the hub cannot read",
        lambda p: f"{p.get('field')}: {p.get('error')}",
    )
).code


@dataclass
class PricePage:
    good: list[dict] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


def prices_authorise(*, writer) -> None:
    """The price-list sync writes only while the matrix lets its source write every contract
    price field: were the matrix to make another system the authority, the sync stops, loudly.
    Two queries a page, so a matrix change applies from the next page on."""
    for creating in (True, False):
        decisions = ownership_decide_writes(
            entity="contract_price", system=writer, creating=creating
        )
        for name in FIELDS.values():
            decision = ownership_decision_of(decisions, entity="contract_price", field=name)
            if not decision.allowed:
                raise PermissionRefused(
                    f"The ownership matrix gives contract price {name} to "
                    f"{decision.rule.owner_system.code}; {writer.code}'s price lists are not "
                    "applied.",
                    code="not_owner",
                )


def prices_map(*, records: list[dict], writer) -> PricePage:
    """The page's rows as contract price rows, each row's problems refused with it."""
    records = [r if isinstance(r, dict) else {"row": r} for r in records]
    numbers = {r.get("account") for r in records if isinstance(r.get("account"), str)}
    skus = [r["sku"] for r in records if isinstance(r.get("sku"), str)]
    accounts = CompanyAccount.objects.in_bulk(numbers, field_name="number")
    products = products_for(system=writer, skus=skus)
    page, seen = PricePage(), set()
    for record in records:
        row, problems = _typed(record)
        key = (record.get("account"), record.get("sku"), record.get("valid_from"))
        if problems:
            page.rejected.append(_refused(record, INVALID_PRICE, problems))
            continue
        if key in seen:
            problems = [{"field": "valid_from", "error": "the export repeats this price"}]
            page.rejected.append(_refused(record, INVALID_PRICE, problems))
            continue
        seen.add(key)
        unknown = _unknown(record, accounts, products)
        if unknown:
            page.rejected.append(_refused(record, UNKNOWN_REFERENCE, unknown))
            continue
        row["account"], row["product"] = accounts[record["account"]], products[record["sku"]]
        page.good.append(row)
    return page


def _typed(record: dict) -> tuple[dict, list[dict]]:
    # Each column's own clean(): lengths, digits and dates as the database will hold them,
    # the same refusal on SQLite as on PostgreSQL.
    row, problems = {}, []
    for name in ("account", "sku"):
        if not isinstance(record.get(name), str) or not record[name]:
            problems.append({"field": name, "error": "required text"})
    # A field the export leaves out takes the column's default (no end date, price per EA).
    sent = {"valid_from": record.get("valid_from")}
    sent.update({ours: record.get(theirs, DEFAULTS.get(ours)) for theirs, ours in FIELDS.items()})
    for name, value in sent.items():
        column = ContractPrice._meta.get_field(name)
        try:
            row[name] = column.clean(value, None)
        except ValidationError as exc:
            problems.append({"field": name, "error": "; ".join(exc.messages)})
    if "unit_price" in row and row["unit_price"] < 0:
        problems.append({"field": "unit_price", "error": "a price is never negative"})
    return row, problems


def _unknown(record: dict, accounts: dict, products: dict) -> list[dict]:
    unknown = []
    if record["account"] not in accounts:
        unknown.append({"field": "account", "value": record["account"]})
    if products.get(record["sku"]) is None:
        unknown.append({"field": "sku", "value": record["sku"]})
    return unknown


def price_key(record: dict) -> str:
    """How a price is named on its trace and in the queue: account/SKU/valid from."""
    return "/".join(str(record.get(name, "?")) for name in ("account", "sku", "valid_from"))[:200]


def _refused(record: dict, reason_code: str, problems: list[dict]) -> Rejected:
    what = ", ".join(f"{p['field']} {p.get('value') or p.get('error')}" for p in problems)
    return Rejected(
        subject_key=price_key(record),
        reason_code=reason_code,
        message=f"The ERP's price {price_key(record)} was not applied: {what}."[:500],
        problems=problems,
        payload=record,
    )


def price_out(row: dict) -> dict:
    """A contract price as the storefront is told it."""
    return {
        "account": row["account"].number,
        "sku": row["product"].sku,
        "unit_price": format(row["unit_price"].normalize(), "f"),
        "currency": row["currency"],
        "uom": row["uom"],
        "valid_from": _day(row["valid_from"]),
        "valid_to": _day(row["valid_to"]),
        "min_quantity": format(row["min_quantity"].normalize(), "f"),
        "contract": row["contract_number"],
    }


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None
