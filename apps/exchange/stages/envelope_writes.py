"""The envelope's writes on every request, without the ORM's per-call building.

Each order inserts its envelope and then updates it while holding the lease; building those
two statements with the ORM cost more CPU than the database spent on them. The INSERT is
apps/core/insert.py's (built once per model; no model signal is sent, and nothing listens to
an envelope's); the UPDATE is written out here once per set of columns, with the WHERE and the
values `Envelope.objects.filter(pk=..., status=PROCESSING, lease_token=...).update(...)` sends.
tests/exchange/test_envelope_writes.py compares both with the ORM's, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from functools import cache

from django.db import connection, transaction

from apps.core.insert import rows_insert
from apps.exchange.models import Envelope, EnvelopeStatus


def envelope_insert(**fields) -> Envelope:
    """A new envelope, inserted as `Envelope.objects.create(**fields)` would insert it."""
    return rows_insert([Envelope(**fields)])[0]


def envelope_update_leased(envelope: Envelope, **values) -> int:
    """Set `values` on the envelope if it is still processing under this request's lease;
    the number of rows changed (0: the lease was lost). As QuerySet.update: no auto_now."""
    sql = _leased_update_sql(tuple(values), connection.vendor)
    params = [_FIELDS[name].get_db_prep_save(value, connection) for name, value in values.items()]
    params += [envelope.pk, EnvelopeStatus.PROCESSING.value, envelope.lease_token]
    # As QuerySet.update: a failed statement marks the caller's transaction for rollback.
    with transaction.mark_for_rollback_on_error(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


_FIELDS = {field.name: field for field in Envelope._meta.concrete_fields}


@cache
def _leased_update_sql(names: tuple[str, ...], vendor: str) -> str:
    q = connection.ops.quote_name
    sets = ", ".join(f"{q(_FIELDS[name].column)} = %s" for name in names)
    return (
        f"UPDATE {q(Envelope._meta.db_table)} SET {sets} WHERE {q(Envelope._meta.pk.column)} = %s "
        f"AND {q(_FIELDS['status'].column)} = %s AND {q(_FIELDS['lease_token'].column)} = %s"
    )
