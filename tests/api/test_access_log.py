"""Every partner request leaves one access row (who, what, when), for one insert."""

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from apps.api.credentials import partner_client_issue
from apps.api.models import PartnerAccess
from apps.exchange.models import Envelope
from tests.api.partner_world import client_for, order_post
from tests.api.test_oauth import token_for
from tests.conftest import payload

pytestmark = pytest.mark.django_db
ACCESS_LOG = "apps.api.access_log.PartnerAccessLog"


def test_a_read_is_logged_with_partner_credential_path_and_answer(cast):
    client_for(cast.token).get("/api/v1/prices/?account=NW-1001")
    row = PartnerAccess.objects.get()
    assert row.system.code == "storefront"
    assert row.credential == f"token:{cast.token[:8]}"
    assert (row.method, row.path, row.query) == ("GET", "/api/v1/prices/", "account=NW-1001")
    assert (row.route, row.status) == ("prices", 200)


def test_a_refused_read_and_an_oauth_client_are_logged_too(cast):
    issued = partner_client_issue(partner_code="storefront", scopes="prices:read")
    token = token_for(issued.client_id, issued.client_secret).json()["access_token"]
    client_for(token, "Bearer").get("/api/v1/accounts/")
    row = PartnerAccess.objects.get()
    assert row.credential == f"oauth:{issued.client_id}" and row.status == 403


def test_requests_without_a_partner_leave_no_row(cast):
    APIClient().get("/api/v1/prices/")
    APIClient().get("/api/v1/schema/")
    assert not PartnerAccess.objects.exists()


def test_an_order_post_is_recorded_by_its_envelope_at_no_extra_query(cast, settings):
    order_post(client_for(cast.token), "warm-up", po_number="PO-WARM")

    def queries(key: str) -> int:
        # A new client each time: a client loads the middleware once, on its first request.
        api = client_for(cast.token)
        body = payload("order_storefront_cases.json") | {"po_number": key}
        with CaptureQueriesContext(connection) as captured:
            answer = api.post("/api/v1/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
        assert answer.status_code == 201
        return len(captured)

    logged = queries("PO-LOGGED")
    without = [entry for entry in settings.MIDDLEWARE if entry != ACCESS_LOG]
    with override_settings(MIDDLEWARE=without):
        unlogged = queries("PO-UNLOGGED")
    assert logged == unlogged
    envelope = Envelope.objects.get(idempotency_key="PO-LOGGED")
    assert envelope.partner.code == "storefront" and envelope.response_status == 201
    assert not PartnerAccess.objects.filter(method="POST").exists()


def test_a_read_costs_one_insert(cast, settings):
    def queries() -> int:
        api = client_for(cast.token)
        with CaptureQueriesContext(connection) as captured:
            assert api.get("/api/v1/accounts/").status_code == 200
        return len(captured)

    queries()  # the token's last use is written at most once a minute
    logged = queries()
    without = [entry for entry in settings.MIDDLEWARE if entry != ACCESS_LOG]
    with override_settings(MIDDLEWARE=without):
        unlogged = queries()
    assert logged == unlogged + 1
