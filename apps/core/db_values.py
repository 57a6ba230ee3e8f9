"""Values read by written-out SQL, converted as the ORM converts them."""

from django.db import connection


def column_converter(field):
    """A function turning what the cursor gives for `field`'s column into what the ORM gives
    (SQLite hands back naive datetimes, and floats or ints for decimals)."""
    column = field.get_col(field.model._meta.db_table)
    converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)

    def convert(value):
        for converter in converters:
            value = converter(value, column, connection)
        return value

    return convert


def column_value(field, value):
    """One value of `field`'s column, as the ORM would give it (None stays None)."""
    return None if value is None else column_converter(field)(value)
