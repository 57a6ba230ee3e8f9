"""Reading sides: the hub's own tables in key order, and outside systems' paged exports."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from queue import Full, Queue

from django.db import connection
from django.db.models import QuerySet
from django.db.models.functions import Collate
from django.utils.dateparse import parse_datetime

from apps.connectors.rest.pages import get_pages
from apps.core.errors import ValidationFailed
from apps.reconciliation.engine import Batches
from apps.systems.models import System

CENT = Decimal("0.01")
CHUNK = 2000
FETCH = 10000  # rows per batch of a SQL side (about a megabyte)


def key_order(field: str):
    """Order by `field` in byte order on every database, as the merge compares keys."""
    # PostgreSQL's default collation sorts by language rules ("A-1" after "A1"); "C" is bytes.
    return Collate(field, "C") if connection.vendor == "postgresql" else field


def money(value) -> str:
    return str(number(value).quantize(CENT))


def figure(value) -> str:
    """A quantity or price as plain text without trailing zeros: "2.50" and "2.5" compare equal."""
    return format(number(value).normalize(), "f")


def number(value) -> Decimal:
    """A figure a system sent, as a Decimal; a figure that is not a number fails the run."""
    try:
        figure = Decimal(str(value))
    except InvalidOperation:
        figure = None
    if figure is None or not figure.is_finite() or isinstance(value, bool):
        raise ValidationFailed(f"A system sent {value!r} where a number belongs.")
    return figure


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


def sql_rows(sql: str, params=(), *, columns: Sequence[str]) -> Batches:
    """A query's rows as a side: its first column the key, the others named by `columns`.

    For sides too large for the ORM's per-row cost: the query must order by its key (with
    `COLLATE "C"` on PostgreSQL) and give values that compare as they are (cast numbers to
    text unless a field has a tolerance). Rows come a batch at a time as tuples; the merge
    compares them whole and builds a record only for a row that differs. On PostgreSQL each
    side reads through a server-side cursor on a connection and thread of its own, so the
    server produces a side's next batch while the merge compares the current one.
    """
    if connection.vendor == "postgresql":
        return Batches(_ReadAhead(lambda: _server_batches(sql, params)), columns)
    return Batches(_cursor_batches(sql, params), columns)


def _cursor_batches(sql: str, params) -> Iterator[list[tuple]]:
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(FETCH):
            yield rows


def _server_batches(sql: str, params) -> Iterator[list[tuple]]:
    # Not Django's connection: it may be inside a transaction, and a cursor outside one
    # is held (the server materialises the whole result before the first row).
    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        # As Django's own connections: times in UTC, whatever the server's default.
        raw.execute("SELECT set_config('TimeZone', %s, false)", [connection.timezone_name])
        with raw.cursor(name="reconcile_side") as cursor:
            cursor.execute(sql, params or None)
            while rows := cursor.fetchmany(FETCH):
                yield rows
    finally:
        raw.close()


_END = object()


class _ReadAhead:
    """`read()`'s batches, read by a thread of its own up to `depth` batches ahead.

    The thread starts when the merge takes the side (both sides at once, so the server runs
    both queries together) and waits on the network, not the interpreter (the driver lets
    go of the GIL). An error in the thread is raised to the merge; `close` (the merge calls
    it when it ends, however it ends) stops the thread and closes its connection.
    """

    def __init__(self, read: Callable[[], Iterator[list]], depth: int = 2):
        self._read = read
        self._ready: Queue = Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __iter__(self) -> Iterator[list]:
        if self._thread is None:
            self._thread = threading.Thread(target=self._produce, name="reconcile-side")
            self._thread.daemon = True
            self._thread.start()
        return self._take()

    def _take(self) -> Iterator[list]:
        try:
            while (item := self._ready.get()) is not _END:
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            self.close()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _produce(self) -> None:
        batches = self._read()
        try:
            for batch in batches:
                if not self._hand_over(batch):
                    return
            self._hand_over(_END)
        except BaseException as exc:  # noqa: BLE001 - handed to the merge, raised there
            self._hand_over(exc)
        finally:
            batches.close()

    def _hand_over(self, item) -> bool:
        while not self._stop.is_set():
            try:
                self._ready.put(item, timeout=0.1)
                return True
            except Full:
                continue
        return False
