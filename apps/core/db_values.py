"""Values to and from written-out SQL, converted as the ORM converts them."""

from __future__ import annotations

from collections.abc import Callable
from weakref import WeakKeyDictionary

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.base.operations import BaseDatabaseOperations

# A connection's converters by field. Keyed by the connection object (one per thread, kept
# across reconnects): the converters are bound to it, as Django's own are.
_converters: WeakKeyDictionary = WeakKeyDictionary()


def column_converter(field):
    """A function turning what the cursor gives for `field`'s column into what the ORM gives
    (SQLite hands back naive datetimes, and floats or ints for decimals)."""
    wrapper = connections[DEFAULT_DB_ALIAS]  # what `connection` stands for in this thread
    by_field = _converters.get(wrapper)
    if by_field is None:
        by_field = _converters[wrapper] = {}
    convert = by_field.get(field)
    if convert is None:
        convert = by_field[field] = _column_converter(field, wrapper)
    return convert


def column_value(field, value):
    """One value of `field`'s column, as the ORM would give it (None stays None)."""
    return None if value is None else column_converter(field)(value)


def _column_converter(field, wrapper):
    column = field.get_col(field.model._meta.db_table)
    converters = wrapper.ops.get_db_converters(column) + column.get_db_converters(wrapper)

    def convert(value):
        for converter in converters:
            value = converter(value, column, wrapper)
        return value

    return convert


# What `get_db_prep_save` does with a value of one of these types, for fields of exactly
# these classes (a subclass may convert otherwise): nothing, on every backend. Django's
# path casts a text's lazy translation, an int's float or text, a bool's 0 or 1, and takes
# a foreign key's "" for NULL; those types are not listed, so they still take it.
_TEXT_FIELDS = {models.CharField, models.TextField, models.EmailField, models.SlugField}
_INTEGER_FIELDS = {
    models.IntegerField,
    models.SmallIntegerField,
    models.BigIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.PositiveBigIntegerField,
}
_KEY_FIELDS = {models.AutoField, models.BigAutoField, models.SmallAutoField}
_NONE = type(None)


def save_shortcuts(field, wrapper) -> dict[type, Callable | None]:
    """The value types whose `field.get_db_prep_save(value, wrapper)` is known without the
    call, each with what it amounts to: None for the value itself, else a function of it.

    Exact types only (a bool is an int, a TextChoices member a str, neither listed), so any
    other value (a Decimal, a datetime, JSON, an expression) still goes through Django.
    tests/core/test_db_values.py compares every shortcut with Django over many values.
    """
    kind = type(field)
    if kind in (models.ForeignKey, models.OneToOneField):
        # A key is its target's value (checked for "" first, which a key may store as NULL).
        target = save_shortcuts(field.target_field, wrapper)
        return {t: convert for t, convert in target.items() if t is not str} | {_NONE: None}
    if kind in _TEXT_FIELDS:
        return {str: None, _NONE: None}
    if kind is models.BooleanField:
        return {bool: None, _NONE: None}
    if kind in _KEY_FIELDS:
        if _ops_method(wrapper, "validate_autopk_value") is _base("validate_autopk_value"):
            return {int: None, _NONE: None}
        return {}
    if kind in _INTEGER_FIELDS:
        adapt = _ops_method(wrapper, "adapt_integerfield_value")
        if adapt is _base("adapt_integerfield_value"):
            return {int: None, _NONE: None}
        if wrapper.vendor == "postgresql" and adapt is _postgresql_adapt_integer():
            # psycopg 3 is told the column's integer type (Int4 for an IntegerField...).
            return {int: wrapper.ops.integerfield_type_map[field.get_internal_type()], _NONE: None}
    return {}


def _ops_method(wrapper, name: str):
    return getattr(type(wrapper.ops), name)


def _base(name: str):
    return getattr(BaseDatabaseOperations, name)


def _postgresql_adapt_integer():
    from django.db.backends.postgresql.operations import DatabaseOperations, is_psycopg3

    return DatabaseOperations.adapt_integerfield_value if is_psycopg3 else None
