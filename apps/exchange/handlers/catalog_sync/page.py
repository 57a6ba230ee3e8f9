"""Sorting a mapped page: SKUs spelled twice, unchanged records, the matrix's refusals."""

from __future__ import annotations

from apps.exchange.handlers.catalog_sync.rules import (
    MAPPED_FIELDS,
    SAME_SKU,
    Mapped,
    same_sku_problem,
)
from apps.exchange.stages.batch import Prepared, Rejected
from apps.ownership.services import ownership_decide_write
from apps.quarantine.choices import ReasonCode

# A new product's value for a field the matrix does not let the source create.
FIELD_DEFAULTS = {"name": "", "description": "", "uom": "EA", "attributes": {}}


def without_same_sku(mapped: list[Mapped], rejected: list[Rejected]) -> list[Mapped]:
    """Hold every record of the page whose hub SKU another spelling on the page also takes."""
    spellings: dict[str, set[str]] = {}
    for m in mapped:
        spellings.setdefault(m.sku, set()).add(m.source_sku)
    kept: dict[str, Mapped] = {}
    for m in mapped:
        if len(spellings[m.sku]) == 1:
            kept[m.sku] = m  # the same record twice on a page: the later copy stands
        else:
            rejected.append(_same_sku(m, sorted(spellings[m.sku])))
    return list(kept.values())


def _same_sku(m: Mapped, spellings: list[str]) -> Rejected:
    problem = same_sku_problem(m.sku, spellings)
    return Rejected(
        subject_key=m.source_sku[:200],
        reason_code=SAME_SKU,
        message=problem["problem"],
        problems=[problem],
        payload=m.record,
    )


def page_sort(mapped: list[Mapped], state: dict, prepared: Prepared, decisions: dict) -> None:
    """Each mapped record to held (another spelling owns its SKU), unchanged, or to write.

    `state` is the stored products by SKU; `decisions` the matrix's per field, by creating.
    """
    for m in mapped:
        stored = state.get(m.sku)
        if stored and stored["source_sku"] and stored["source_sku"] != m.source_sku:
            prepared.rejected.append(_same_sku(m, [stored["source_sku"], m.source_sku]))
        elif stored and stored["content_hash"] == m.content_hash:
            prepared.unchanged += 1
        else:
            refused = _held_to_matrix(m, stored, decisions[stored is None])
            if refused:
                prepared.rejected.append(_refused(m, refused))
            else:
                prepared.good.append((m, stored))


def matrix_decisions(source) -> dict[bool, dict]:
    """The matrix's decision per mapped field, for creating and for updating a product.

    Read per page, never cached across pages: a matrix change applies from the next page.
    """
    return {
        creating: {
            name: ownership_decide_write(
                entity="product", field=name, system=source, creating=creating
            )
            for name in MAPPED_FIELDS
        }
        for creating in (True, False)
    }


def kept_fields(decisions: dict) -> tuple[str, ...]:
    """Fields the source may not update: their stored values are read to keep them."""
    refused = {name for name, d in decisions[False].items() if not d.allowed}
    return tuple(name for name in MAPPED_FIELDS if name in refused)


def _held_to_matrix(m: Mapped, stored: dict | None, decisions: dict) -> list[dict]:
    """Fields the source may not write: kept as stored when ignored; returned when held."""
    held = []
    for name in MAPPED_FIELDS:
        decision = decisions[name]
        if decision.allowed:
            continue
        current = stored[name] if stored else FIELD_DEFAULTS[name]
        if decision.quarantines and m.values[name] != current:
            rule = decision.rule
            held.append(
                {
                    "field": name,
                    "owner_system": rule.owner_system.code,
                    "problem": f"{name} belongs to {rule.owner_system.code}; "
                    "the PIM may not change it.",
                }
            )
        m.values[name] = current
    return held


def _refused(m: Mapped, problems: list[dict]) -> Rejected:
    said = "; ".join(p["problem"] for p in problems)
    return Rejected(
        subject_key=m.source_sku[:200],
        reason_code=ReasonCode.OWNERSHIP_REFUSED,
        message=f"PIM product {m.source_sku!r} was not synced: {said}",
        problems=problems,
        payload=m.record,
    )


def row_of(m: Mapped) -> dict:
    """The product row the bulk write takes."""
    return {"sku": m.sku, "source_sku": m.source_sku, "content_hash": m.content_hash, **m.values}
