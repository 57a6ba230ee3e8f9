"""Reads of the ownership matrix shared by the admin screens, the import and the partner API."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from simple_history.manager import SIMPLE_HISTORY_REVERSE_ATTR_NAME

from apps.ownership.models import FieldOwnership
from apps.ownership.registry import entity_fields
from apps.systems.models import System

ROLE_RELATIONS = {"C": "may_create", "U": "may_update", "R": "consumers"}


def ownership_matrix() -> QuerySet[FieldOwnership]:
    """Matrix rows by entity and field, with their systems and business owners loaded."""
    return (
        FieldOwnership.objects.select_related("owner_system", "business_owner__user")
        .prefetch_related("may_create", "may_update", "consumers")
        .order_by("entity", "field")
    )


def ownership_entities_of(*, system: System) -> set[str]:
    """Entities in which the matrix gives `system` any role (owner, writer or consumer)."""
    roles = (
        Q(owner_system=system) | Q(may_create=system) | Q(may_update=system) | Q(consumers=system)
    )
    return set(FieldOwnership.objects.filter(roles).values_list("entity", flat=True).distinct())


def ownership_matrix_gaps() -> list[tuple[str, str]]:
    """Registry (entity, field) pairs that have no matrix row, in registry order."""
    covered = set(FieldOwnership.objects.values_list("entity", "field"))
    return [pair for pair in entity_fields() if pair not in covered]


def ownership_roles(rule: FieldOwnership, system: System) -> str:
    """The letters a system has in a row: O owner, C may create, U may update, R consumer.

    A row rebuilt from a history record (the revert screen) answers from that record's M2M
    snapshot, not from the row as it is now.
    """
    source = getattr(rule, SIMPLE_HISTORY_REVERSE_ATTR_NAME, None) or rule
    letters = "O" if rule.owner_system_id == system.pk else ""
    for letter, relation in ROLE_RELATIONS.items():
        # .all() so that a prefetched row costs no query per cell; history rows hold system_id.
        if any(
            getattr(item, "system_id", item.pk) == system.pk
            for item in getattr(source, relation).all()
        ):
            letters += letter
    return letters


@dataclass
class MatrixRow:
    rule: FieldOwnership
    cells: list[tuple[str, str]]  # (system code, role letters)


@dataclass
class MatrixGroup:
    entity: str
    rows: list[MatrixRow] = field(default_factory=list)


@dataclass
class MatrixGrid:
    """The matrix as a screen shows it: entities down, grouped, systems across."""

    systems: list[System]
    groups: list[MatrixGroup]
    gaps: list[tuple[str, str]]


def ownership_matrix_grid() -> MatrixGrid:
    """Every matrix row with its role letters per system, grouped by entity in registry order."""
    systems = list(System.objects.order_by("code"))
    order = {pair: index for index, pair in enumerate(entity_fields())}
    rules = sorted(ownership_matrix(), key=lambda r: order.get((r.entity, r.field), len(order)))
    groups: dict[str, MatrixGroup] = {}
    for rule in rules:
        cells = [(system.code, ownership_roles(rule, system)) for system in systems]
        groups.setdefault(rule.entity, MatrixGroup(rule.entity)).rows.append(MatrixRow(rule, cells))
    return MatrixGrid(systems=systems, groups=list(groups.values()), gaps=ownership_matrix_gaps())
