"""Instants in query strings: any ISO 8601 offset is a filter or a 400, never a database error."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from apps.api.filters import UtcIsoDateTimeField
from tests.api.partner_world import client_for

pytestmark = pytest.mark.django_db

LISTS = [
    ("/api/v1/webhooks/deliveries/", "since"),
    ("/api/v1/webhooks/deliveries/", "until"),
    ("/api/v1/orders/", "created_since"),
    ("/api/v1/orders/", "created_until"),
]


def test_an_offset_postgresql_cannot_store_is_read_as_utc():
    value = UtcIsoDateTimeField().clean("0130-02-28T13:27:50-16:08")
    assert value == datetime(130, 3, 1, 5, 35, 50, tzinfo=UTC)
    assert value.utcoffset().total_seconds() == 0


def test_an_instant_outside_the_calendar_is_refused():
    with pytest.raises(ValidationError):
        UtcIsoDateTimeField().clean("0001-01-01T00:00:00+15:00")


@pytest.mark.parametrize(("path", "name"), LISTS)
def test_lists_answer_any_offset(cast, path, name):
    api = client_for(cast.token)
    assert api.get(path, {name: "0130-02-28T13:27:50-16:08"}).status_code == 200
    refused = api.get(path, {name: "0001-01-01T00:00:00+15:00"})
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "validation_failed"
