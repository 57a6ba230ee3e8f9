"""The rows a write adds to a table, read and then rolled back: for comparing two writers."""

from datetime import UTC, datetime
from unittest import mock

import pytest
from django.db import transaction

# The clock every write compared sees, so auto_now columns match.
INSTANT = datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)


class Undone(Exception):
    pass


def stored(write, model) -> list[dict]:
    """The rows `write` adds to `model`'s table (their keys left out), then undone."""
    with pytest.raises(Undone), transaction.atomic():
        before = set(model.objects.values_list("pk", flat=True))
        with mock.patch("django.utils.timezone.now", return_value=INSTANT):
            write()
        rows = list(model.objects.exclude(pk__in=before).order_by("pk").values())
        raise Undone
    for row in rows:
        del row["id"]
    return rows
