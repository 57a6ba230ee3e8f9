"""The mechanics of the entity apps' upsert services: find by natural key, validate, save, history.

Each entity app's `services.py` names one pair per model (`product_upsert`,
`products_upsert_bulk`) over these two functions, so every canonical write validates the same
way and leaves a django-simple-history row in the caller's transaction. References (foreign
keys) are passed as model instances, already resolved by the caller.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from apps.core.errors import Conflict, ValidationFailed

# Set by the model itself on every save; a caller never writes them.
AUTOMATIC = frozenset({"id", "created_at", "updated_at"})


@dataclass(frozen=True)
class BulkResult:
    """What one bulk upsert did; `records` are the saved rows in the order they were given."""

    created: int
    updated: int
    unchanged: int
    records: list = field(default_factory=list, repr=False)


@transaction.atomic
def upsert_one(
    model: type[models.Model],
    *,
    key_fields: Sequence[str],
    key: dict,
    values: dict,
    actor: AbstractBaseUser | None,
    reason: str,
) -> models.Model:
    """Create or change the row `key` names; an unchanged row is not saved (no empty history)."""
    label = model._meta.verbose_name
    _check_names(model, key_fields, key, values, label=f"The {label}")
    instance = model.objects.select_for_update().filter(**key).first()
    creating = instance is None
    instance = instance or model(**key)
    before = _snapshot(instance, values)
    _assign(instance, values, label=f"The {label}")
    errors = _field_errors(model, instance, validate_constraints=True)
    if errors:
        message = f"The {label} {_key_text(key)} is incomplete or invalid."
        raise ValidationFailed(message, fields=errors)
    if not creating and _snapshot(instance, values) == before:
        return instance
    _attribute(instance, actor, reason)
    if not creating:
        instance.save()
        return instance
    return _insert(model, instance, key_fields, key, values, actor, reason)


def _insert(model, instance, key_fields, key, values, actor, reason):
    try:
        with transaction.atomic():
            instance.save()
        return instance
    except IntegrityError as race:
        # Another writer created the same key between our read and this insert: theirs is
        # now the row, and ours becomes a change to it.
        if not model.objects.filter(**key).exists():
            message = f"The {model._meta.verbose_name} {_key_text(key)} breaks a database rule."
            raise Conflict(message) from race
    return upsert_one(
        model, key_fields=key_fields, key=key, values=values, actor=actor, reason=reason
    )


@transaction.atomic
def upsert_bulk(
    model: type[models.Model],
    *,
    key_fields: Sequence[str],
    rows: list[dict],
    actor: AbstractBaseUser | None,
    reason: str,
) -> BulkResult:
    """Create or change many rows in a fixed number of queries, with their history.

    All or nothing: if any row is invalid, nothing is written and ValidationFailed names every
    invalid row (`rows[3].name`), so the caller can hold those and resend the rest.
    """
    existing = _existing(model, key_fields, rows)
    errors: dict[str, list[str]] = {}
    new, changed, records, fields = [], [], [], set()
    seen: dict[tuple, int] = {}
    for index, row in enumerate(rows):
        instance, dirty = _bulk_row(model, key_fields, row, index, existing, seen, errors)
        records.append(instance)
        if instance is None or not (instance._state.adding or dirty):
            continue
        (new if instance._state.adding else changed).append(instance)
        fields |= dirty
    if errors:
        raise _invalid_rows(model, errors, len(rows))
    now = timezone.now()
    for instance in changed:
        # bulk_update does not run auto_now; the row did change, so it says when.
        instance.updated_at = now
    if new:
        bulk_create_with_history(
            new, model, default_user=actor, default_change_reason=reason or None
        )
    if changed:
        bulk_update_with_history(
            changed,
            model,
            sorted(fields | {"updated_at"}),
            default_user=actor,
            default_change_reason=reason or None,
        )
    return BulkResult(len(new), len(changed), len(rows) - len(new) - len(changed), records)


def _existing(model, key_fields: Sequence[str], rows: list[dict]) -> dict[tuple, models.Model]:
    """One query: the stored rows any of `rows` names, by key (a superset for composite keys)."""
    lookup = {}
    for name in key_fields:
        column = model._meta.get_field(name)
        values = {
            row.get(name) for row in rows if isinstance(row, dict) and _hashable(row.get(name))
        }
        if column.is_relation:
            # Anything but a row is refused per row later; it cannot be looked up.
            values = {value for value in values if isinstance(value, column.related_model)}
        lookup[f"{column.attname}__in"] = {_plain(value) for value in values} - {None}
    found = model.objects.filter(**lookup) if rows else model.objects.none()
    return {_key_of_row(row, model, key_fields): row for row in found}


def _bulk_row(model, key_fields, row, index, existing, seen, errors):
    """The row's instance (stored copy or new) with its values set, and the fields it changes."""
    where = f"rows[{index}]"
    try:
        if not isinstance(row, dict):
            raise ValidationFailed("Each row is a dict of field values.", fields={where: ["?"]})
        key = {name: row.get(name) for name in key_fields}
        values = {name: value for name, value in row.items() if name not in key_fields}
        _check_names(model, key_fields, key, values, label=f"Row {index}")
        ident = tuple(_plain(value) for value in key.values())
        if ident in seen:
            raise ValidationFailed(
                f"Row {index} repeats the key of row {seen[ident]}.",
                fields={"key": [f"Same {', '.join(key_fields)} as rows[{seen[ident]}]."]},
            )
        seen[ident] = index
        instance = existing.get(ident) or model(**key)
        before = _snapshot(instance, values)
        _assign(instance, values, label=f"Row {index}")
        _validate_row(model, instance)
    except ValidationFailed as exc:
        errors.update({f"{where}.{name}": messages for name, messages in exc.fields.items()})
        return None, set()
    after = _snapshot(instance, values)
    return instance, {name for name in values if after[name] != before[name]}


def _validate_row(model, instance) -> None:
    # Uniqueness is the key lookup's job and the database's constraints; checking it here
    # would cost a query per row.
    errors = _field_errors(model, instance, validate_constraints=False)
    if errors:
        raise ValidationFailed("Invalid row.", fields=errors)


def _field_errors(model, instance, *, validate_constraints: bool) -> dict[str, list[str]]:
    # References arrive as saved instances, which proves they exist; Field.validate would ask
    # the database once per reference.
    references = [f for f in model._meta.concrete_fields if f.is_relation]
    errors = {}
    try:
        instance.full_clean(
            exclude=[f.name for f in references],
            validate_unique=False,
            validate_constraints=validate_constraints,
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    for reference in references:
        if getattr(instance, reference.attname) is None and not reference.null:
            errors[reference.name] = ["This field cannot be null."]
    return errors


def _invalid_rows(model, errors: dict[str, list[str]], total: int) -> ValidationFailed:
    bad_rows = sorted({name.split(".")[0] for name in errors})
    first, messages = next(iter(errors.items()))
    plural = model._meta.verbose_name_plural
    return ValidationFailed(
        f"{len(bad_rows)} of {total} {plural} are not valid; nothing was saved. "
        f"First: {first}: {messages[0]}",
        fields=errors,
    )


def _check_names(model, key_fields, key: dict, values: dict, *, label: str) -> None:
    if set(key) != set(key_fields) or any(
        key[name] in (None, "") or not _hashable(key[name]) for name in key_fields
    ):
        raise ValidationFailed(
            f"{label} is identified by {', '.join(key_fields)}.",
            fields={"key": [f"Give {', '.join(key_fields)}."]},
        )
    for name in key_fields:
        reference = model._meta.get_field(name)
        if reference.is_relation and not isinstance(key[name], reference.related_model):
            raise ValidationFailed(
                f"{label}: {name} is not a {reference.related_model._meta.verbose_name}.",
                fields={name: ["Give the referenced row, resolved by its natural key."]},
            )
    unknown = [name for name in values if name in key_fields or not _writable(model, name)]
    if unknown:
        # A key field among the values would move the record to another identity.
        raise ValidationFailed(
            f"{label} names fields it may not set: {', '.join(unknown)[:200]}.",
            fields={name: ["Not a field that can be written here."] for name in unknown},
        )


def _writable(model, name: str) -> bool:
    try:
        found = model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return found.concrete and not found.many_to_many and name not in AUTOMATIC


def _assign(instance, values: dict, *, label: str) -> None:
    for name, value in values.items():
        try:
            setattr(instance, name, value)
        except (ValueError, TypeError) as exc:
            # A reference given as anything but a row of the referenced model.
            message = f"{label}: {name} is not valid."
            raise ValidationFailed(message, fields={name: [str(exc)]}) from exc


def _snapshot(instance, names) -> dict:
    meta = instance._meta
    return {name: getattr(instance, meta.get_field(name).attname) for name in names}


def _attribute(instance, actor, reason: str) -> None:
    # Only when given: without an actor, simple_history names the request's person, if any.
    if actor is not None:
        instance._history_user = actor
    instance._change_reason = reason or None


def _attname(model, name: str) -> str:
    return model._meta.get_field(name).attname


def _key_of_row(row, model, key_fields) -> tuple:
    return tuple(getattr(row, _attname(model, name)) for name in key_fields)


def _plain(value):
    """A key value as the database column holds it: a referenced row by its primary key."""
    return value.pk if isinstance(value, models.Model) else value


def _hashable(value) -> bool:
    # A list or dict sent as a key names no row; the row itself is refused by _check_names.
    return getattr(value, "__hash__", None) is not None


def _key_text(key: dict) -> str:
    return "/".join(str(_plain(value)) for value in key.values())[:200]
