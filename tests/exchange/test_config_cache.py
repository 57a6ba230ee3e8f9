"""Configuration kept in a web process's memory is never stale: each change, made by this
process or another, is seen by the very next order (apps/exchange/config_cache.py)."""

import base64

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from apps.api.credentials import (
    partner_client_issue,
    partner_client_revoke,
    partner_token_rotate,
)
from apps.api.models import PartnerToken
from apps.catalog.models import SkuRule
from apps.exchange.config_cache import config_cached, config_scope
from apps.exchange.models import ConfigVersion
from apps.flows.models import Flow
from apps.orders.models import OrderStatus
from apps.ownership.models import BusinessOwner, Enforcement, FieldOwnership
from apps.systems.models import System
from tests.api.partner_world import client_for
from tests.conftest import payload

pytestmark = pytest.mark.django_db
FLOW = "order-capture"


def post(token: str, key: str, scheme: str = "Token", **changes):
    body = payload("order_storefront_cases.json") | {"po_number": f"PO-{key}"} | changes
    return client_for(token, scheme).post(
        "/api/v1/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY=key
    )


def posted_sql(token: str, key: str, **changes) -> tuple:
    with CaptureQueriesContext(connection) as captured:
        response = post(token, key, **changes)
    return response, [query["sql"] for query in captured.captured_queries]


def version() -> str:
    return ConfigVersion.objects.get(pk=1).token


def price_rule() -> FieldOwnership:
    return FieldOwnership.objects.get(entity="order_line", field="unit_price")


def wrong_price() -> dict:
    lines = payload("order_storefront_cases.json")["lines"]
    return {"lines": [lines[0] | {"unit_price": "9.99"}, lines[1]]}


def test_the_flow_is_read_once_then_kept_while_the_configuration_is_unchanged(cast):
    post(cast.token, "warm")
    response, sql = posted_sql(cast.token, "kept")
    assert response.status_code == 201, response.content
    assert not [statement for statement in sql if 'FROM "flows_flow"' in statement]


def test_a_flow_deactivated_here_refuses_the_next_order(cast):
    assert post(cast.token, "before").status_code == 201
    flow = Flow.objects.get(code=FLOW)
    flow.is_active = False
    flow.save()
    refused = post(cast.token, "after")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "flow_inactive"
    flow.is_active = True
    flow.save()
    assert post(cast.token, "again").status_code == 201


def test_a_change_that_sends_no_signal_here_is_seen_through_the_version(cast):
    # As a change made by another process, or by SQL: only the database knows of it.
    assert post(cast.token, "before").status_code == 201
    Flow.objects.filter(code=FLOW).update(is_active=False)
    refused = post(cast.token, "after")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "flow_inactive"


def test_without_a_new_version_this_process_keeps_what_it_read(cast):
    # The other half of the proof above: the version, not a fresh read, made the difference.
    assert post(cast.token, "before").status_code == 201
    token = version()
    Flow.objects.filter(code=FLOW).update(is_active=False)
    ConfigVersion.objects.filter(pk=1).update(token=token)
    assert post(cast.token, "after").status_code == 201


@pytest.mark.parametrize(
    "change",
    [
        lambda: Flow.objects.filter(code=FLOW).update(name="Order capture"),
        lambda: System.objects.filter(code="erp").update(timeout_seconds=9),
        lambda: BusinessOwner.objects.update(name="Someone"),
        lambda: FieldOwnership.objects.filter(field="unit_price").update(enforcement="ignore"),
        lambda: price_rule().may_create.add(System.objects.get(code="storefront")),
        lambda: price_rule().may_update.add(System.objects.get(code="storefront")),
        lambda: price_rule().consumers.clear(),
        lambda: BusinessOwner.objects.create(name="New Owner", email="new@example.com"),
    ],
    ids=["flow", "system", "owner", "matrix", "creators", "updaters", "consumers", "insert"],
)
def test_every_change_to_what_is_kept_gives_a_new_version(cast, change):
    before = version()
    with transaction.atomic():
        change()
    assert version() != before


def test_a_matrix_enforcement_change_applies_to_the_next_order(cast):
    held = post(cast.token, "held", **wrong_price())
    assert held.status_code == 201, held.content
    assert held.json()["status"] == OrderStatus.QUARANTINED
    rule = FieldOwnership.objects.get(entity="order_line", field="unit_price")
    rule.enforcement = Enforcement.IGNORE
    rule.save()
    corrected = post(cast.token, "corrected", **wrong_price())
    assert corrected.json()["status"] == OrderStatus.RECEIVED
    assert corrected.json()["lines"][0]["unit_price"] == "0.3500"  # the owner's price stands


def test_a_writer_added_to_the_matrix_applies_to_the_next_order(cast):
    assert post(cast.token, "held", **wrong_price()).json()["status"] == OrderStatus.QUARANTINED
    rule = FieldOwnership.objects.get(entity="order_line", field="unit_price")
    rule.may_create.add(System.objects.get(code="storefront"))
    taken = post(cast.token, "taken", **wrong_price())
    assert taken.json()["status"] == OrderStatus.RECEIVED
    # The partner's price stands: 9.99 a case of twelve.
    assert taken.json()["lines"][0]["unit_price"] == "0.8325"


def test_a_sku_rule_change_applies_to_the_next_order(cast):
    prefixed = payload("order_storefront_cases.json")["lines"]
    prefixed = [line | {"sku": f"SF-{line['sku']}"} for line in prefixed]
    assert post(cast.token, "unknown", lines=prefixed).status_code == 400
    SkuRule.objects.update_or_create(
        system=System.objects.get(code="storefront"), defaults={"strip_prefix": "SF-"}
    )
    assert post(cast.token, "mapped", lines=prefixed).status_code == 201


def test_a_revoked_token_fails_the_next_order(cast):
    assert post(cast.token, "before").status_code == 201
    PartnerToken.objects.filter(revoked_at__isnull=True).update(revoked_at="2026-01-01T00:00Z")
    assert post(cast.token, "after").status_code == 401


def test_a_rotated_token_stops_and_its_successor_works_at_once(cast):
    old = PartnerToken.objects.get(prefix=cast.token[:8])
    assert post(cast.token, "before").status_code == 201
    new_key = partner_token_rotate(token=old)
    assert post(cast.token, "old").status_code == 401
    assert post(new_key, "new").status_code == 201


def test_a_revoked_oauth_client_cannot_post_its_next_order(cast):
    issued = partner_client_issue(partner_code="storefront", scopes="orders:write")
    basic = base64.b64encode(f"{issued.client_id}:{issued.client_secret}".encode()).decode()
    token = (
        APIClient()
        .post(
            "/api/v1/oauth/token/",
            {"grant_type": "client_credentials"},
            HTTP_AUTHORIZATION=f"Basic {basic}",
        )
        .json()["access_token"]
    )
    assert post(token, "before", scheme="Bearer").status_code == 201
    partner_client_revoke(client=issued.client)
    assert post(token, "after", scheme="Bearer").status_code == 401


def test_a_rolled_back_change_leaves_nothing_kept_under_its_version(cast):
    before = version()
    reads = []
    with transaction.atomic():
        Flow.objects.filter(code=FLOW).update(is_active=False)
        with config_scope(version()):
            config_cached("key", lambda: reads.append(1) or "seen uncommitted")
        transaction.set_rollback(True)
    assert version() == before
    with config_scope(before):
        assert config_cached("key", lambda: reads.append(2) or "current") == "current"
    assert reads == [1, 2]


def test_outside_a_scope_every_call_reads(cast):
    reads = []
    for _ in range(2):
        config_cached("key", lambda: reads.append(1))
    assert reads == [1, 1]
