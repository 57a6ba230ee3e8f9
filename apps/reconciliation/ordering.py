"""A side in key order when its system exports in an order of its own, in bounded memory.

The WMS snapshot and the ERP's price lists page by row id, and their SKUs become the hub's
only after mapping, so no export order is the merge's key order. Such a side goes through a
temporary SQLite file on disk and comes back sorted by key: SQLite's default (BINARY)
collation compares UTF-8 bytes, the order the merge compares keys in. Memory holds one batch,
not the side.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path

from apps.core.errors import HubError

BATCH = 5000


class DuplicateKey(HubError):
    """A side gave two records for one key; which one to compare would be a guess."""

    code = "duplicate_key"
    status = 500


def in_key_order(rows: Iterable[tuple[str, dict]], *, label: str) -> Iterator[tuple[str, dict]]:
    """`rows` as (key, record) in ascending key order; records must be JSON (text, numbers)."""
    rows = iter(rows)
    with tempfile.TemporaryDirectory(prefix="reconcile-") as folder:
        db = sqlite3.connect(Path(folder) / "side.sqlite3")
        try:
            # A scratch file: nothing to recover after a crash, so no journal and no syncs.
            db.execute("PRAGMA journal_mode = OFF")
            db.execute("PRAGMA synchronous = OFF")
            db.execute("CREATE TABLE side (key TEXT PRIMARY KEY, record TEXT) WITHOUT ROWID")
            while batch := list(islice(rows, BATCH)):
                try:
                    db.executemany(
                        "INSERT INTO side VALUES (?, ?)",
                        [(key, json.dumps(record)) for key, record in batch],
                    )
                except sqlite3.IntegrityError as exc:
                    raise DuplicateKey(
                        f"The {label} side gave two records for one key ({exc}); "
                        "a side has one record per key."
                    ) from exc
            for key, record in db.execute("SELECT key, record FROM side ORDER BY key"):
                yield key, json.loads(record)
        finally:
            db.close()
