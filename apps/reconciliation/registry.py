"""Reconciliations register here by name; shared code looks them up and never names one.

A reconciliation is one or more comparisons, each of two sides (iterators of (key, record)
in key order) and the fields compared, and an `assess` that turns each difference into
business terms: its kind, the effect and value at stake, the matrix row whose business owner
acts, and the suggested action.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from apps.core.errors import NotFound
from apps.reconciliation.engine import Difference, Field

Rows = Iterable[tuple[str, dict]]


@dataclass(frozen=True)
class RunContext:
    """What the sides of a run may depend on: records newer than `cutoff` are in flight."""

    cutoff: datetime


@dataclass(frozen=True)
class Assessment:
    kind: str
    effect: str
    entity: str
    field: str
    action: str
    subject_type: str
    subject_key: str
    value_at_stake: Decimal | None = None


@dataclass(frozen=True)
class Comparison:
    name: str
    left: str
    right: str
    fields: tuple[Field, ...]
    left_rows: Callable[[RunContext], Rows]
    right_rows: Callable[[RunContext], Rows]
    assess: Callable[[Difference], Assessment]


@dataclass(frozen=True)
class Reconciliation:
    name: str
    title: str
    # Quarantine items for its mismatches belong to this flow (and its runbook).
    flow_code: str
    comparisons: tuple[Comparison, ...]


class ReconciliationRegistry:
    def __init__(self) -> None:
        self._by_name: dict[str, Reconciliation] = {}

    def register(self, reconciliation: Reconciliation) -> Reconciliation:
        if reconciliation.name in self._by_name:
            raise RuntimeError(f"Two reconciliations named {reconciliation.name!r}.")
        self._by_name[reconciliation.name] = reconciliation
        return reconciliation

    def unregister(self, name: str) -> None:
        self._by_name.pop(name, None)

    def get(self, name: str) -> Reconciliation:
        try:
            return self._by_name[name]
        except KeyError:
            known = ", ".join(sorted(self._by_name))
            raise NotFound(f"No reconciliation named {name!r}; known: {known}.") from None

    def names(self) -> list[str]:
        return sorted(self._by_name)


registry = ReconciliationRegistry()
