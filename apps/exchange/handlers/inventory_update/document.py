"""The WMS's inventory documents (webhook events and snapshot rows) in canonical terms.

Both carry, per SKU and location, the new figures with the WMS's event time and sequence;
both are checked against the matrix once per batch and mapped to products in a fixed number
of queries. No network in here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.utils.dateparse import parse_date, parse_datetime

from apps.catalog.selectors import products_for
from apps.catalog.services import INVENTORY_FIGURES
from apps.core.errors import PermissionRefused
from apps.ownership.services import ownership_decide_writes, ownership_decision_of

QUANTITIES = ("on_hand", "available")
TEXTS = {"sku": 60, "location": 40}
# What the level's columns hold (14 digits, 4 after the point).
LIMIT = Decimal(10) ** 10


@dataclass
class Mapped:
    """A batch's rows for the catalog's write service (`sources[i]` is the item `rows[i]` came
    from), and the items naming SKUs the hub does not know."""

    rows: list[dict] = field(default_factory=list)
    sources: list[dict] = field(default_factory=list)
    unknown: list[dict] = field(default_factory=list)
    invalid: list[tuple[dict, dict]] = field(default_factory=list)

    def only(self, keep) -> Mapped:
        """The same batch with only the items `keep(item)` says yes to."""
        pairs = [(r, s) for r, s in zip(self.rows, self.sources, strict=True) if keep(s)]
        return Mapped(
            rows=[row for row, _ in pairs],
            sources=[source for _, source in pairs],
            unknown=[item for item in self.unknown if keep(item)],
            invalid=[pair for pair in self.invalid if keep(pair[0])],
        )


def inventory_authorise(*, writer) -> str:
    """Only a system the matrix lets set inventory figures may; returns the business owner.

    Two queries a batch, not per event: the figures are the same fields every time.
    """
    for creating in (True, False):
        decisions = ownership_decide_writes(entity="inventory", system=writer, creating=creating)
        for name in INVENTORY_FIGURES:
            decision = ownership_decision_of(decisions, entity="inventory", field=name)
            if not decision.allowed:
                raise PermissionRefused(
                    f"The ownership matrix gives inventory {name} to "
                    f"{decision.rule.owner_system.code}; {writer.code} may not set stock figures.",
                    code="not_owner",
                )
    return decision.rule.business_owner.name


def inventory_rows(*, items: list[dict], writer, where: str) -> Mapped:
    """WMS figures (events or snapshot rows) as rows for `inventory_levels_apply`.

    Items that are not valid figures go to `invalid` with their problems, named
    `<where>.<index>.<field>`; items naming a SKU the hub does not know go to `unknown`.
    """
    skus = [item["sku"] for item in items if isinstance(item, dict) and _text(item, "sku")]
    products = products_for(system=writer, skus=skus)
    mapped = Mapped()
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            mapped.invalid.append(({"item": item}, {f"{where}.{index}": ["Not an object."]}))
            continue
        values, problems = _typed(item, f"{where}.{index}")
        if problems:
            mapped.invalid.append((item, problems))
            continue
        product = products.get(item["sku"])
        if product is None:
            mapped.unknown.append(item)
            continue
        mapped.rows.append({"product": product, "location": item["location"], **values})
        mapped.sources.append(item)
    return mapped


def _typed(item: dict, where: str) -> tuple[dict, dict]:
    problems: dict[str, list[str]] = {}
    for name, longest in TEXTS.items():
        if not _text(item, name) or len(item[name]) > longest:
            problems[f"{where}.{name}"] = [f"Required text, at most {longest} characters."]
    figures = {name: _decimal(item.get(name), f"{where}.{name}", problems) for name in QUANTITIES}
    sequence = item.get("sequence")
    if not isinstance(sequence, int) or isinstance(sequence, bool) or sequence < 0:
        problems[f"{where}.sequence"] = ["The WMS's event sequence: a whole number, 0 or more."]
    occurred = _time(item.get("occurred_at"), f"{where}.occurred_at", problems)
    backorder = _date(item.get("backorder_date"), f"{where}.backorder_date", problems)
    values = {
        **figures,
        "backorder_date": backorder,
        "as_of": occurred,
        "as_of_sequence": sequence,
    }
    return values, problems


def _text(item: dict, name: str) -> bool:
    return isinstance(item.get(name), str) and bool(item[name])


def _decimal(value, where: str, problems: dict) -> Decimal | None:
    try:
        number = Decimal(value) if isinstance(value, str) else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or abs(number) >= LIMIT:
        problems[where] = ['A quantity as text, e.g. "12" or "12.5".']
        return None
    return number


def _time(value, where: str, problems: dict) -> datetime | None:
    try:
        parsed = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        problems[where] = ["An ISO 8601 time with its UTC offset."]
        return None
    return parsed


def _date(value, where: str, problems: dict) -> date | None:
    if value is None:
        return None
    try:
        parsed = parse_date(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None:
        problems[where] = ["A calendar date, YYYY-MM-DD."]
    return parsed


def level_key(row: dict) -> str:
    """How a level is named on its trace and to the storefront: SKU@location."""
    return f"{row['product'].sku}@{row['location']}"


def level_out(row: dict) -> dict:
    """A level as the storefront is told it: figures as text, with the WMS's time and order."""
    return {
        "sku": row["product"].sku,
        "location": row["location"],
        "on_hand": _figure(row["on_hand"]),
        "available": _figure(row["available"]),
        "backorder_date": row["backorder_date"].isoformat() if row["backorder_date"] else None,
        "as_of": row["as_of"].isoformat() if row["as_of"] else None,
        "sequence": row["as_of_sequence"],
    }


def _figure(value: Decimal) -> str:
    return format(value.normalize(), "f")
