"""apps/core/db_values.py: a value written without Django's conversion is the one Django's
conversion gives, on the database under test (SQLite, or PostgreSQL, whose integers psycopg is
told the type of); a value read back is converted as the ORM converts it.

The shortcuts are compared with `get_db_prep_save` for every field of every model the order
path inserts (history models included) over values of every type, then for every field of
every installed model over a fixed sample. Derandomised, so CI is repeatable.
"""

import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

import pytest
from django.apps import apps
from django.db import connection, connections, models
from django.db.models import Value
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.core import db_values
from apps.core.db_values import column_converter, column_value, save_shortcuts
from apps.exchange.models import Delivery, DeliveryStatus, Envelope, TraceEvent, TraceOutcome
from apps.orders.models import Order, OrderLine, OrderStatus

PROPERTY = settings(
    max_examples=400,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
ORDER_PATH = [
    Order,
    OrderLine,
    Delivery,
    TraceEvent,
    Envelope,
    Order.history.model,
    OrderLine.history.model,
]


class Text(str):
    """A str of another type: Django takes it as it is, but no shortcut may assume so."""


class Number(int):
    pass


lazy_number = lazy(lambda: 7, int)()

# Every type a column's value could come as, the awkward ones included.
ANY = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([0, 1, -1, 2**31 - 1, 2**31, 2**63 - 1, -(2**63)]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.sampled_from(["", "0", "1", "12", "-3", " 4 ", "1.5", "t", "True", "False", "é\x00"]),
    st.decimals(allow_nan=False, allow_infinity=False, places=4, max_value=10**9),
    st.datetimes(),
    st.datetimes(timezones=st.just(UTC)),
    st.dates(),
    st.timedeltas(max_value=timedelta(days=9999), min_value=timedelta(days=-9999)),
    st.binary(max_size=8),
    st.uuids(),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=3),
    st.lists(st.integers(), max_size=3),
    st.sampled_from(
        [
            gettext_lazy("Done"),
            lazy_number,
            TraceOutcome.OK,
            OrderStatus.RECEIVED,
            DeliveryStatus.PENDING,
            Text("x"),
            Number(5),
            Value(1),
            object(),
        ]
    ),
)


def fields_of(models_: list) -> list:
    return [field for model in models_ for field in model._meta.concrete_fields]


def comparable(value):
    """A value and its type, psycopg's wrappers (Jsonb, Binary) opened, for ==."""
    if hasattr(value, "obj"):
        return (type(value), comparable(value.obj), getattr(value, "dumps", None))
    return (type(value), value)


def djangos(field, value):
    try:
        return ("gives", comparable(field.get_db_prep_save(value, connection)))
    except Exception as exc:  # noqa: BLE001 - compared: a shortcut must never hide one
        return ("raises", type(exc))


def assert_shortcut_is_djangos(field, value) -> bool:
    shortcuts = save_shortcuts(field, connection)
    if type(value) not in shortcuts:
        return False
    convert = shortcuts[type(value)]
    ours = value if convert is None else convert(value)
    assert djangos(field, value) == ("gives", comparable(ours)), (field, value)
    if convert is None:
        assert field.get_db_prep_save(value, connection) is value, (field, value)
    return True


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # naive datetimes, Django's own warning
@PROPERTY
@given(field=st.sampled_from(fields_of(ORDER_PATH)), value=ANY)
def test_a_shortcut_gives_what_get_db_prep_save_gives_on_the_order_path(field, value):
    assert_shortcut_is_djangos(field, value)


SAMPLE = [
    None,
    True,
    False,
    0,
    1,
    -5,
    2**40,
    1.5,
    "",
    "7",
    "text",
    "é",
    Decimal("1.2500"),
    datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC),
    date(2026, 3, 4),
    b"raw",
    UUID(int=5),
    {"a": 1},
    [1],
    gettext_lazy("Done"),
    TraceOutcome.OK,
    Text("x"),
    Number(5),
    Value(1),
]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_every_field_of_every_model_has_only_shortcuts_django_agrees_with():
    taken = set()
    for field in fields_of(list(apps.get_models())):
        for value in SAMPLE:
            if assert_shortcut_is_djangos(field, value):
                taken.add(type(field))
    # The order path's columns are what the shortcuts are for.
    assert {models.CharField, models.TextField, models.ForeignKey, models.BooleanField} <= taken
    assert {models.PositiveIntegerField, models.BigAutoField} <= taken


def test_only_exact_types_of_exact_field_classes_are_shortcut():
    class Custom(models.CharField):
        def get_prep_value(self, value):
            return f"~{value}"

    assert save_shortcuts(Custom(max_length=5), connection) == {}
    status = Order._meta.get_field("status")
    for value in (TraceOutcome.OK, gettext_lazy("x"), Text("x"), 5):
        assert type(value) not in save_shortcuts(status, connection)
    line_number = OrderLine._meta.get_field("line_number")
    assert bool not in save_shortcuts(line_number, connection)
    assert str not in save_shortcuts(OrderLine._meta.get_field("order"), connection)
    for name in ("quantity", "ship_to", "created_at", "confirmed_quantity"):
        assert save_shortcuts(OrderLine._meta.get_field(name), connection) == {}


def test_integers_are_given_to_psycopg_with_their_column_type():
    convert = save_shortcuts(OrderLine._meta.get_field("line_number"), connection)[int]
    if connection.vendor == "postgresql":
        from psycopg.types.numeric import Int4

        assert convert is Int4
    else:
        assert convert is None


# What a cursor hands back for a column, on SQLite above all.
READ = {
    "created_at": [datetime(2026, 3, 4, 5, 6, 7), datetime(2026, 3, 4, tzinfo=UTC)],
    "quantity": [Decimal("1.5"), 2, 2.25, "3.1000"],
    "ship_to": ['{"a": [1, 2]}', "{}", {"a": 1}],
    "line_number": [3],
    "uom": ["EA"],
}


def reference(field, value):
    """The converters as they were built for every call."""
    column = field.get_col(field.model._meta.db_table)
    for converter in connection.ops.get_db_converters(column) + column.get_db_converters(
        connection
    ):
        value = converter(value, column, connection)
    return value


def outcome(convert, value):
    try:
        return ("gives", comparable(convert(value)))
    except Exception as exc:  # noqa: BLE001 - compared with the reference's
        return ("raises", type(exc))


@pytest.mark.django_db
def test_a_column_is_converted_as_the_orm_converts_it_by_one_converter_per_field():
    for name, values in READ.items():
        field = OrderLine._meta.get_field(name)
        assert column_converter(field) is column_converter(field)
        for value in values:
            expected = outcome(lambda v, f=field: reference(f, v), value)
            assert outcome(column_converter(field), value) == expected, (name, value)
            assert outcome(lambda v, f=field: column_value(f, v), value) == expected
    assert column_value(OrderLine._meta.get_field("quantity"), None) is None


@pytest.mark.django_db(transaction=True)
def test_each_thread_converts_with_its_own_connection():
    field = OrderLine._meta.get_field("created_at")
    here = column_converter(field)
    there = {}

    def other():
        there["convert"] = column_converter(field)
        there["connection"] = connections["default"]
        there["value"] = there["convert"](datetime(2026, 3, 4, 5, 6, 7))
        connections.close_all()

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    assert there["convert"] is not here and there["connection"] is not connections["default"]
    assert there["value"] == here(datetime(2026, 3, 4, 5, 6, 7))
    assert connections["default"] in db_values._converters
