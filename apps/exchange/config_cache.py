"""Configuration kept in each web process's memory, and never stale after a change.

Order capture reads the same configuration on every request (the flow with its systems and
owner, the matrix's decision on an order line's price, the partner's system with its SKU
rule), and reading it costs round trips and, above all, the ORM's work of building the
queries. So a process keeps what it read, tagged with the configuration version current when
it read it.

The version is one row (`ConfigVersion`), read in the same query as the caller's credential
(`config_version_column`, or `CONFIG_VERSION_SQL` in a statement written out), so it costs no
round trip. Database triggers (migrations exchange 0008 and 0009) give the row a new random
token, in the changing transaction, on any insert, update or delete of a watched table
(flows, systems, business owners, the ownership matrix and its writer lists, SKU rules),
whoever runs it: the admin, a bulk update, a shell, psql. The next request reads the new
token and drops everything kept under the old one, so a flow deactivated or a matrix row
changed applies from the very next request, in every process. A random token rather than a
counter: a rolled-back change leaves the old token and is never mistaken for a later one.

Only code inside `config_scope(version)` (a request that read the version) uses the cache;
anything else (workers, commands, tests calling services) reads the database as before. The
credential read itself is such a scope: it keeps the partner's system under the version it
read with the credential (apps/api/services.py).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from django.db.models import Subquery

from apps.exchange.models import ConfigVersion

T = TypeVar("T")
CONFIG_VERSION_PK = 1

# The version the current request read; None outside a request scope (no caching).
_scope: ContextVar[str | None] = ContextVar("config_version", default=None)
_lock = threading.Lock()
_kept: dict = {"version": None, "values": {}}


def config_version_column() -> Subquery:
    """An annotation for the caller's query: the current configuration version, or None."""
    return Subquery(ConfigVersion.objects.filter(pk=CONFIG_VERSION_PK).values("token")[:1])


# `config_version_column` for a statement written out in SQL (SQLite and PostgreSQL alike).
CONFIG_VERSION_SQL = (
    f'(SELECT "token" FROM "{ConfigVersion._meta.db_table}" WHERE "id" = {CONFIG_VERSION_PK})'
)


@contextmanager
def config_scope(version: str | None):
    """Within this block, `config_cached` may answer from memory kept under `version`."""
    token = _scope.set(version)
    try:
        yield
    finally:
        _scope.reset(token)


def config_cached(key, read: Callable[[], T]) -> T:
    """What `read()` returns, kept per process under the scope's version; `read()` itself
    outside a scope. Values are shared between requests: callers must not change them."""
    version = _scope.get()
    if version is None:
        return read()
    with _lock:
        if _kept["version"] != version:
            _kept["version"], _kept["values"] = version, {}
        if key in _kept["values"]:
            return _kept["values"][key]
    value = read()
    with _lock:
        # Kept only if no newer version arrived (or this process changed configuration)
        # while reading; else the next request reads again.
        if _kept["version"] == version and _scope.get() is not None:
            _kept["values"][key] = value
    return value


def config_changed(**_signal) -> None:
    """This process changed a watched model (a signal): forget what it kept, and stop caching
    in the current scope, whose version was read before a change that this transaction sees
    and others do not yet. (The triggers give the database its new version.)"""
    config_forget()
    _scope.set(None)


def config_forget() -> None:
    """Drop what this process keeps (each test starts with nothing kept)."""
    with _lock:
        _kept["version"], _kept["values"] = None, {}
