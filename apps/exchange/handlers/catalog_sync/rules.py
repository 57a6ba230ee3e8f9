"""Catalog sync rules: check and map one PIM record to the hub's product, in plain Python.

Fast checks, not a serializer per record: a page of a thousand records is checked in about a
millisecond or two. Every refusal is said in words the catalog owner acts on.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from apps.catalog.models import Product
from apps.catalog.selectors import sku_by_rule
from apps.core.hashing import canonical_json_hash
from apps.exchange.stages.batch import Rejected

# Attributes the storefront cannot list a product without.
REQUIRED_ATTRIBUTES = ("brand",)
SKU_LENGTH = Product._meta.get_field("sku").max_length
NAME_LENGTH = Product._meta.get_field("name").max_length
# The product fields the sync maps; each is held to the ownership matrix.
MAPPED_FIELDS = ("name", "description", "uom", "attributes")

INVALID = "catalog_record_invalid"
SAME_SKU = "catalog_same_sku"


@dataclass
class Mapped:
    """A PIM record as the hub's product: its SKU, field values and fingerprint."""

    sku: str
    source_sku: str
    values: dict
    content_hash: str
    record: dict


def record_map(record, *, rule, units: dict) -> Mapped | list[dict]:
    """The record mapped, or its problems (each {"field", "problem"} in plain words)."""
    if not isinstance(record, dict):
        return [{"field": "record", "problem": "The PIM sent something that is not a record."}]
    problems: list[dict] = []
    source_sku = record.get("sku")
    sku = _sku(source_sku, rule, problems)
    name = record.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append({"field": "name", "problem": "The product has no name."})
    elif len(name) > NAME_LENGTH:
        problems.append({"field": "name", "problem": f"The name is over {NAME_LENGTH} characters."})
    attributes = _attributes(record, problems)
    unit = _unit(record.get("unit"), units, problems, attributes)
    if problems:
        return problems
    values = {
        "name": name.strip(),
        "description": str(record.get("description") or ""),
        "uom": unit,
        "attributes": attributes,
    }
    return Mapped(sku, source_sku, values, canonical_json_hash(values), record)


def _sku(source_sku, rule, problems: list[dict]) -> str:
    if not isinstance(source_sku, str) or not source_sku.strip():
        problems.append({"field": "sku", "problem": "The product has no SKU."})
        return ""
    sku = sku_by_rule(rule, source_sku)
    if not sku or len(sku) > SKU_LENGTH:
        problems.append(
            {"field": "sku", "problem": f"SKU {source_sku[:80]!r} is empty or too long as ours."}
        )
    return sku


def _attributes(record: dict, problems: list[dict]) -> dict:
    attributes = record.get("attributes")
    if not isinstance(attributes, dict):
        problems.append(
            {"field": "attributes", "problem": "The attributes are not a set of values."}
        )
        return {}
    for name in REQUIRED_ATTRIBUTES:
        if attributes.get(name) in (None, ""):
            problems.append(
                {
                    "field": f"attributes.{name}",
                    "problem": f"The required attribute {name} is missing.",
                }
            )
    mapped = dict(attributes)
    if record.get("category"):
        mapped["category"] = str(record["category"])
    images = record.get("images") or []
    if isinstance(images, list):
        mapped["images"] = [str(image) for image in images]
    return mapped


def _unit(code, units: dict, problems: list[dict], attributes: dict) -> str:
    if code not in units:
        problems.append(
            {
                "field": "unit",
                "problem": f"Unit {str(code)[:20]!r} has no conversion to a hub unit "
                "(add one under unit conversions for the PIM).",
            }
        )
        return ""
    canonical, factor = units[code]
    if factor != Decimal(1):
        # A pack unit (a case of 12): the storefront sells the canonical unit, says the pack.
        attributes["source_unit"] = code
        attributes["units_per_pack"] = str(factor.normalize())
    return canonical


def problems_message(source_sku, problems: list[dict]) -> str:
    said = "; ".join(problem["problem"] for problem in problems)
    return f"PIM product {str(source_sku)[:60]!r} was not synced: {said}"


def same_sku_problem(sku: str, source_skus: list[str]) -> dict:
    spelled = " and ".join(repr(s) for s in sorted(source_skus))
    return {
        "field": "sku",
        "sku": sku,
        "problem": f"PIM products {spelled} both become hub SKU {sku}; "
        "the PIM must keep one of them.",
    }


def storefront_product(mapped: Mapped) -> dict:
    """A changed product as the storefront's bulk product update takes it."""
    return {"sku": mapped.sku, **mapped.values}


def invalid(record, problems: list[dict]) -> Rejected:
    source_sku = record.get("sku") if isinstance(record, dict) else None
    return Rejected(
        subject_key=str(source_sku or "(no SKU)")[:200],
        reason_code=INVALID,
        message=problems_message(source_sku, problems),
        problems=problems,
        payload=record if isinstance(record, dict) else {"record": str(record)[:2000]},
    )
