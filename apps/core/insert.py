"""New rows, and their creation history, written with statements built once per model.

On the order path `bulk_create` and django-simple-history cost more CPU than the database
does: Django compiles each INSERT afresh, simple-history builds a historical instance per row
and a manager class on every `Model.history` access, and each of the two is a round trip.
Here the INSERT is generated from the model's _meta once per process and each history row is
copied from the row just inserted, with the values simple-history records for a creation:
every tracked field, the date, `+`, the acting person as simple-history finds them (the
instance's `_history_user`, else the request's person) and the instance's `_change_reason`.
On PostgreSQL the rows and their history go in one statement (a data-modifying WITH); SQLite
has no such WITH, so the history follows in a second statement.

Like `bulk_create`, no model signal is sent. tests/core/test_insert.py compares the history
rows written here with simple-history's own, column by column, so a change to the models or
to the history configuration cannot make them differ unnoticed.

A column's value is what `bulk_create` gives it, get_db_prep_save(pre_save()). Where that
call is known to return the value as it is (text, integers and keys of the exact types
apps/core/db_values.py lists), the value is taken without it: on the order path most
columns, and most of the CPU those calls cost. `rows_insert_fields` takes rows as the
model's constructor does, so a caller that has them as fields (the trace) builds no
instances.
"""

from __future__ import annotations

import inspect
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, router
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init
from django.utils import timezone
from simple_history.utils import get_change_reason_from_object

from apps.core.db_values import save_shortcuts

# The columns of a historical table besides the tracked fields' (and its own key).
HISTORY_COLUMNS = ("history_date", "history_change_reason", "history_type", "history_user_id")


def rows_insert(objs: list[models.Model]) -> list[models.Model]:
    """Insert new instances of one model in one statement; they come back with their keys."""
    if objs:
        plan = _plan(type(objs[0]), connection.vendor)
        if plan.history_table is not None:
            raise ValueError(f"{plan.model.__name__} has history: rows_insert_with_history.")
        _insert(plan, objs, history=False)
    return objs


def rows_insert_with_history(objs: list[models.Model]) -> list[models.Model]:
    """Insert new instances of one model and a creation history row for each."""
    if objs:
        plan = _plan(type(objs[0]), connection.vendor)
        _insert(plan, objs, history=plan.history_table is not None and _history_enabled())
    return objs


def rows_insert_fields(model: type[models.Model], rows: list[dict]) -> None:
    """Insert `model(**row)` for each row, as rows_insert would, without the instances.

    Rows name fields as the constructor takes them (a foreign key by its name with an
    object, or by its attname); a missing field takes its default. A row only an instance
    can say how to store (an unsaved related object, a property, model signals listening)
    is inserted through instances, so Django decides it as it would have.
    """
    if not rows:
        return
    plan = _plan(model, connection.vendor)
    if plan.history_table is not None:
        raise ValueError(f"{model.__name__} has history: rows_insert_with_history.")
    params: list = []
    # Signals see instances; a router may refuse a relation (the key's descriptor asks it).
    instances = pre_init.has_listeners(model) or post_init.has_listeners(model) or router.routers
    db = _db()
    for row in rows:
        values = None if instances or plan.readers is None else plan.row_values(row, db)
        if values is None:
            rows_insert([model(**row) for row in rows])
            return
        params.extend(values)
    _execute(plan, params, len(rows), with_pk=False, history=None)


def insert_plan(model: type[models.Model]) -> InsertPlan:
    """The statements' parts for `model`, for a caller that composes its own INSERT."""
    return _plan(model, connection.vendor)


def history_params(objs: list[models.Model]) -> list:
    """The date, change reason and person of the creation history rows of `objs`.

    One set for all: a history statement copies every row it is given with the same three.
    """
    history_model = _history_descriptor(type(objs[0])).model
    first = _history_of(history_model, objs[0])
    if any(_history_of(history_model, obj) != first for obj in objs[1:]):
        raise ValueError("One history date, reason and person per insert.")
    date, reason, user = first
    return [date or timezone.now(), reason, getattr(user, "pk", None)]


class InsertPlan:
    """A model's INSERT and history INSERT, in the default database's SQL."""

    def __init__(self, model: type[models.Model]):
        meta = model._meta
        q = connection.ops.quote_name
        if not connection.features.can_return_rows_from_bulk_insert:
            raise ImproperlyConfigured("Inserts here need INSERT .. RETURNING.")
        self.model = model
        self.table = q(meta.db_table)
        self.pk = meta.pk
        self.pk_column = q(meta.pk.column)
        self.fields = [f for f in meta.concrete_fields if not f.primary_key]
        for field in meta.concrete_fields:
            if field.has_db_default():
                raise ImproperlyConfigured(f"{field} has a database default; not written here.")
        self.columns = ", ".join(q(f.column) for f in self.fields)
        self.row = f"({', '.join(['%s'] * len(self.fields))})"
        self.row_with_pk = f"(%s, {', '.join(['%s'] * len(self.fields))})"
        self.history_table = None
        descriptor = _history_descriptor(model)
        if descriptor is not None:
            history = descriptor.model
            tracked = [f.column for f in history.tracked_fields]
            _history_columns_known(history, tracked)
            self.history_table = q(history._meta.db_table)
            self.history_columns = ", ".join(q(c) for c in [*tracked, *HISTORY_COLUMNS])
            self.tracked = ", ".join(q(c) for c in tracked)
        self.pk_shortcuts = save_shortcuts(meta.pk, connection)
        self.writers = [(f.attname, _instance_shortcuts(model, f), f) for f in self.fields]
        self.readers = _readers(self.fields)

    def values(self, obj: models.Model, db=None) -> list:
        """`obj`'s column values but its key, as `bulk_create` prepares them (auto_now set).

        `db`: the default connection itself (`connection` is a proxy, costly per field).
        """
        db = db or _db()
        given, values = obj.__dict__, []
        for attname, shortcuts, field in self.writers:
            value = given.get(attname, _ABSENT)
            convert = shortcuts.get(type(value), _DJANGO)
            if convert is None:
                values.append(value)
            elif convert is _DJANGO:
                values.append(field.get_db_prep_save(field.pre_save(obj, True), db))
            else:
                values.append(convert(value))
        return values

    def row_values(self, row: dict, db) -> list | None:
        """The column values but the key of `model(**row)`, as `values` gives them; None when
        only the instance would tell (see rows_insert_fields)."""
        try:
            return self._row_values(row, db)
        except Exception:  # noqa: BLE001 - the instances' way raises it, as Django would
            # Which of the constructor, the related objects' check or a conversion refuses
            # first, and how, is Django's to say.
            return None

    def _row_values(self, row: dict, db) -> list | None:
        taken, values = 0, []
        for field, name, attname, remote, stamped, shortcuts in self.readers:
            if remote is not None and name in row:
                taken += 1
                value = row[name]
                if value is not None:
                    # As the key's descriptor, then bulk_create's check of related objects.
                    if (
                        not isinstance(value, remote)
                        or not value._is_pk_set()
                        or value._state.db != db.alias
                    ):
                        return None
                    value = getattr(value, field.target_field.attname)
            elif attname in row:
                taken += 1
                value = row[attname]
            else:
                value = field.get_default()
            if stamped:  # auto_now or auto_now_add, as pre_save sets it
                value = timezone.now()
            convert = shortcuts.get(type(value), _DJANGO)
            if convert is None:
                values.append(value)
            elif convert is _DJANGO:
                if value is models.DEFERRED:
                    return None
                values.append(field.get_db_prep_save(value, db))
            else:
                values.append(convert(value))
        # Anything else (the key, a property, a mistake) is the constructor's to take or refuse.
        return values if taken == len(row) else None

    def history_sql(self, source: str, where: str = "") -> str:
        """INSERT of a creation history row for each row of `source`; params: history_params."""
        return (
            f"INSERT INTO {self.history_table} ({self.history_columns}) "
            f"SELECT {self.tracked}, %s, %s, '+', %s FROM {source} {where}"
        )


@cache
def _plan(model: type[models.Model], vendor: str) -> InsertPlan:
    return InsertPlan(model)


def _insert(plan: InsertPlan, objs: list[models.Model], *, history: bool) -> None:
    with_pk = objs[0].pk is not None
    if any((obj.pk is not None) != with_pk for obj in objs):
        raise ValueError("Either every row or none has its key.")
    params: list = []
    db = _db()
    for obj in objs:
        # Foreign keys set from an object saved after it was assigned (as bulk_create does).
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
        if with_pk:
            key = obj.pk
            convert = plan.pk_shortcuts.get(type(key), _DJANGO)
            if convert is _DJANGO:
                key = plan.pk.get_db_prep_save(key, db)
            elif convert is not None:
                key = convert(key)
            params.append(key)
        params.extend(plan.values(obj, db))
    keys = _execute(
        plan, params, len(objs), with_pk=with_pk, history=history_params(objs) if history else None
    )
    for obj, key in zip(objs, keys, strict=True):
        obj.pk = key
        obj._state.adding, obj._state.db = False, db.alias


def _execute(plan: InsertPlan, params: list, count: int, *, with_pk: bool, history) -> list:
    # `history`: the history rows' params (history_params), None for no history rows.
    columns = f"{plan.pk_column}, {plan.columns}" if with_pk else plan.columns
    rows = ", ".join([plan.row_with_pk if with_pk else plan.row] * count)
    insert = f"INSERT INTO {plan.table} ({columns}) VALUES {rows}"
    with connection.cursor() as cursor:
        if history is not None and connection.vendor == "postgresql":
            # The history reads the WITH's rows: the table itself does not show them yet.
            cursor.execute(
                f"WITH new AS ({insert} RETURNING *), "
                f"history AS ({plan.history_sql('new')}) SELECT {plan.pk_column} FROM new",
                [*params, *history],
            )
        else:
            cursor.execute(f"{insert} RETURNING {plan.pk_column}", params)
        keys = [row[0] for row in cursor.fetchall()]
        if history is not None and connection.vendor != "postgresql":
            marks = ", ".join(["%s"] * len(keys))
            cursor.execute(
                plan.history_sql(
                    plan.table, f"WHERE {plan.pk_column} IN ({marks}) ORDER BY {plan.pk_column}"
                ),
                [*history, *keys],
            )
    return keys


def _db():
    return connections[DEFAULT_DB_ALIAS]  # what `connection` stands for in this thread


# A value's converter that is Django's own call; and a column missing from an instance.
_DJANGO, _ABSENT = object(), object()


def _instance_shortcuts(model: type[models.Model], field) -> dict:
    # Read from the instance's __dict__ only where pre_save is the plain attribute read, and
    # the attribute is the field's own (a model may put a property in its place).
    plain = type(field).pre_save is models.Field.pre_save and isinstance(
        inspect.getattr_static(model, field.attname, None), DeferredAttribute
    )
    return save_shortcuts(field, connection) if plain else {}


def _readers(fields: list) -> list | None:
    """Per field, how `row_values` reads and converts it; None if a field needs an instance."""
    readers = []
    for field in fields:
        if type(field).pre_save is models.DateTimeField.pre_save:
            stamped = field.auto_now or field.auto_now_add
        elif type(field).pre_save is models.Field.pre_save:
            stamped = False
        else:
            return None
        remote = None
        if field.is_relation:
            if not field.many_to_one or len(field.related_fields) != 1:
                return None
            remote = field.remote_field.model._meta.concrete_model
        shortcuts = save_shortcuts(field, connection)
        readers.append((field, field.name, field.attname, remote, stamped, shortcuts))
    return readers


def _history_descriptor(model: type[models.Model]):
    # Read from the class, not through the descriptor: `Model.history` builds a manager class
    # on every access.
    name = getattr(model._meta, "simple_history_manager_attribute", None)
    return inspect.getattr_static(model, name) if name else None


def _history_columns_known(history: type[models.Model], tracked: list[str]) -> None:
    # Any other column (a custom base's field, a relation back to the row, extra fields) would
    # be left empty here, where simple-history fills it.
    meta = history._meta
    columns = {f.column for f in meta.concrete_fields if not f.primary_key}
    if not isinstance(meta.pk, models.AutoField) or columns != {*tracked, *HISTORY_COLUMNS}:
        raise ImproperlyConfigured(
            f"{meta.label}'s columns are not the tracked fields and {HISTORY_COLUMNS}: "
            "apps/core/insert.py would not write them as django-simple-history does."
        )


def _history_of(history_model, obj: models.Model) -> tuple:
    # As simple-history's bulk_history_create finds them for each instance.
    return (
        getattr(obj, "_history_date", None),
        get_change_reason_from_object(obj),
        history_model.get_default_history_user(obj),
    )


def _history_enabled() -> bool:
    return getattr(settings, "SIMPLE_HISTORY_ENABLED", True)
