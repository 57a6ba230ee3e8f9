"""A run's mismatches as a table for CSV and XLSX export (tablib, as import-export uses)."""

from __future__ import annotations

import json

import tablib

HEADERS = [
    "run",
    "reconciliation",
    "comparison",
    "key",
    "kind",
    "changed fields",
    "left system",
    "left value",
    "right system",
    "right value",
    "effect",
    "value at stake",
    "owner",
    "suggested action",
    "quarantine item",
    "first seen",
    "resolved at",
]
FORMATS = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _text(value) -> str:
    return "" if value is None else json.dumps(value, sort_keys=True, default=str)


def mismatches_dataset(rows) -> tablib.Dataset:
    data = tablib.Dataset(headers=HEADERS, title="mismatches")
    for m in rows.iterator(chunk_size=2000):
        data.append(
            [
                m.run_id,
                m.reconciliation,
                m.comparison,
                m.key,
                m.kind,
                ", ".join(m.changed_fields),
                m.left_system,
                _text(m.left_value),
                m.right_system,
                _text(m.right_value),
                m.effect,
                "" if m.value_at_stake is None else str(m.value_at_stake),
                m.owner.name if m.owner else "",
                m.suggested_action,
                m.quarantine_item_id or "",
                m.first_seen_at.isoformat(),
                m.resolved_at.isoformat() if m.resolved_at else "",
            ]
        )
    return data
