"""The canonical entities whose fields the ownership matrix governs, as their apps declare them.

Each entity app declares its entities next to its models (`apps/<app>/ownership.py`) and
registers them from its AppConfig.ready(), so ownership, which sits below the canonical apps,
names none of their models. A declaration names its model by label, the fields that identify
a record, references to other entities by their natural key, the fields a system may write,
and the app's upsert service that saves a write. Every field listed here must have exactly one
matrix row: `ownership_matrix_gaps()` says which do not.

`ENTITIES` is complete once every app is ready: read it at call time, never at import time
(admin modules are imported before the entity apps are ready).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class EntitySpec:
    name: str
    model: str
    key: tuple[str, ...]
    fields: tuple[str, ...]
    refs: dict[str, tuple[str, str]] = field(default_factory=dict)
    # Fields the hub sets to the writing system on create (who authorised this price).
    stamps: tuple[str, ...] = ()
    # Dotted path from a record to the company account it belongs to ("" for the account
    # itself, None when the entity belongs to no account): a partner sees and writes only
    # the records of accounts it is entitled to.
    account_path: str | None = None
    # The owning app's single upsert service: write(key=, values=, actor=, reason=) -> row.
    write: Callable | None = field(default=None, compare=False, repr=False)
    # For entities a sender may create twice under different keys: duplicate_of(values) ->
    # (existing row, reason) or None; such a create waits for the entity's business owner.
    duplicate_of: Callable | None = field(default=None, compare=False, repr=False)


ENTITIES: dict[str, EntitySpec] = {}
# Model label -> resolve(system, key) -> row or None: how a system's own codes for a record
# (cross-references, SKU rules) become the canonical row, declared by the owning app.
RESOLVERS: dict[str, Callable] = {}


def entity_register(spec: EntitySpec) -> None:
    """Add one entity to the registry; a second, different declaration of a name is an error."""
    if not callable(spec.write):
        raise ImproperlyConfigured(f"Entity {spec.name} declares no write service.")
    known = ENTITIES.get(spec.name)
    if known is not None and (known != spec or known.write is not spec.write):
        raise ImproperlyConfigured(f"Entity {spec.name} is declared twice, differently.")
    # ready() may run more than once (some test runners); the same declaration is a no-op.
    ENTITIES[spec.name] = spec


def entities_register(specs: Iterable[EntitySpec]) -> None:
    """Register an app's declarations, in the order it lists them."""
    for spec in specs:
        entity_register(spec)


def references_register(resolvers: dict[str, Callable]) -> None:
    """Register how systems' references to an app's models are resolved."""
    RESOLVERS.update(resolvers)


def entities_of_model(label: str) -> list[EntitySpec]:
    """The entities stored in one model (an account row holds two), in declaration order."""
    return [spec for spec in ENTITIES.values() if spec.model == label]


def account_paths() -> dict[str, str | None]:
    """Model label to its path to the owning account, for checking references by scope."""
    return {spec.model: spec.account_path for spec in ENTITIES.values()}


def entity_fields() -> list[tuple[str, str]]:
    """Every (entity, field) pair the matrix must cover, in registry order."""
    return [(spec.name, name) for spec in ENTITIES.values() for name in spec.fields]
