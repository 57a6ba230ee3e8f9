"""Reading sides: the hub's own tables in key order, and outside systems' paged exports."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from decimal import Decimal

from django.db import connection
from django.db.models import QuerySet
from django.db.models.functions import Collate
from django.utils.dateparse import parse_datetime

from apps.connectors.rest.pages import get_pages
from apps.systems.models import System

CENT = Decimal("0.01")
CHUNK = 2000


def key_order(field: str):
    """Order by `field` in byte order on every database, as the merge compares keys."""
    # PostgreSQL's default collation sorts by language rules ("A-1" after "A1"); "C" is bytes.
    return Collate(field, "C") if connection.vendor == "postgresql" else field


def money(value) -> str:
    return str(Decimal(str(value)).quantize(CENT))


def hub_rows(
    queryset: QuerySet, *, key: str, record: Callable[[object], dict]
) -> Iterator[tuple[str, dict]]:
    """A hub table's rows as (key, record), streamed in key order."""
    for row in queryset.order_by(key_order(key)).iterator(chunk_size=CHUNK):
        yield getattr(row, key), record(row)


def system_rows(
    *,
    system_code: str,
    path: str,
    key: str,
    record: Callable[[dict], dict],
    keep: Callable[[dict], bool] = lambda row: True,
) -> Iterator[tuple[str, dict]]:
    """An outside system's paged export as (key, record), in the order it exports."""
    system = System.objects.get(code=system_code)
    for row in get_pages(system=system, path=path):
        if keep(row):
            yield row[key], record(row)


def before(cutoff: datetime, field: str) -> Callable[[dict], bool]:
    """Keep exported rows whose timestamp `field` is before the cutoff (older ones settled)."""

    def keep(row: dict) -> bool:
        moment = parse_datetime(row.get(field) or "")
        return moment is None or moment < cutoff

    return keep


def grouped(rows: Iterable[dict], *, key: str, fold: Callable[[list[dict]], dict]):
    """Consecutive rows sharing `key` (an export sorted by it) folded into one record each."""
    group: list[dict] = []
    for row in rows:
        if group and row[key] != group[0][key]:
            yield group[0][key], fold(group)
            group = []
        group.append(row)
    if group:
        yield group[0][key], fold(group)


def sql_rows(sql: str, params=(), *, record: Callable[[tuple], dict]) -> Iterator[tuple]:
    """Rows of a query whose first column is the key, streamed in bounded memory.

    For sides too large for the ORM's per-row cost: the query must order by its key (with
    `COLLATE "C"` on PostgreSQL). On PostgreSQL the rows come through COPY, as text: several
    times faster than fetching through a cursor, and still a stream.
    """
    if connection.vendor == "postgresql":
        yield from _copy_rows(sql, params, record)
        return
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK * 5):
            for row in rows:
                yield row[0], record(row)


def _copy_rows(sql: str, params, record) -> Iterator[tuple]:
    # A connection of its own: the merge streams both sides at once, and one connection
    # carries only one COPY at a time.
    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        with raw.cursor() as cursor, cursor.copy(f"COPY ({sql}) TO STDOUT", params or None) as copy:
            for row in copy.rows():
                yield row[0], record(row)
    finally:
        raw.close()
