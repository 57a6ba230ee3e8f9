"""A second partner walks every API route against the first partner's objects.

The marketplace holds exactly the storefront's roles in the ownership matrix but is entitled
to other accounts. Whatever it tries on the storefront's records must answer exactly as for a
record that does not exist, queue nothing for a person and never echo a stored value.
"""

import json

import pytest
from django.urls import get_resolver
from rest_framework.test import APIClient

from apps.accounts.models import AccountEntitlement, CompanyAccount
from apps.api.services import partner_token_issue
from apps.exchange.models import Delivery, Envelope
from apps.orders.models import Order, OrderStatus
from apps.orders.services import order_transition
from apps.ownership.models import FieldOwnership
from apps.ownership.registry import ENTITIES
from apps.quarantine.models import QuarantineItem
from apps.systems.models import System
from tests.conftest import payload
from tests.exchange.test_record_sync import SAMPLES, World

pytestmark = pytest.mark.django_db

# Every route under /api/v1/ and how the walk covers it; a new route fails the walk until
# it is listed here with its isolation check.
WALKED_ROUTES = {
    "orders": "order posted for the first partner's account: same 400 as an unknown account",
    "order-detail": "the first partner's order: same 404 as a number that does not exist",
    "ownership": "the matrix itself: configuration, no partner data",
    "record-write": "every account-scoped entity: same 404 as a record that does not exist",
    "order-status": "statuses are the matrix's status owner's alone: any other partner gets "
    "the same 403 for the first partner's order as for a number that does not exist",
    "accounts": "reads: tests/api/test_isolation_walk.py (another's answers as missing)",
    "products": "reads: tests/api/test_isolation_walk.py",
    "prices": "reads: tests/api/test_isolation_walk.py",
    "inventory-levels": "reads: tests/api/test_isolation_walk.py",
    "webhook-deliveries": "reads: tests/api/test_isolation_walk.py",
    "webhook-replay": "replays only the caller's own deliveries: test_partner_webhooks.py",
    "failures": "reads: tests/api/test_isolation_walk.py",
    "failures-page": "reads: tests/api/test_isolation_walk.py",
    "inventory": "the WMS's signed stock events: writes only, no partner reads",
    "oauth-token": "issues tokens for the client that authenticates; no partner data",
    "schema": "public description of the API",
    "docs": "public description of the API",
}
ACCOUNT_SCOPED = sorted(name for name, spec in ENTITIES.items() if spec.account_path is not None)


@pytest.fixture
def rival(cast):
    """A marketplace with the storefront's matrix roles, entitled only to Contoso."""
    storefront = System.objects.get(code="storefront")
    marketplace = System.objects.create(code="marketplace", name="Marketplace", kind="marketplace")
    AccountEntitlement.objects.create(
        system=marketplace, account=CompanyAccount.objects.get(number="CT-2001")
    )
    for rule in FieldOwnership.objects.all():
        for relation in (rule.may_create, rule.may_update, rule.consumers):
            if relation.filter(pk=storefront.pk).exists():
                relation.add(marketplace)
        if rule.owner_system_id == storefront.pk:
            rule.consumers.add(marketplace)
    return partner_token_issue(partner_code="marketplace")


def as_rival(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_walk_covers_every_api_route():
    api = get_resolver().url_patterns
    routes = {
        pattern.name
        for include in api
        if getattr(include, "namespace", None) == "api"
        for pattern in include.url_patterns
    }
    assert routes == set(WALKED_ROUTES), "add the new route to the isolation walk"


def test_rival_reads_of_an_order_answer_as_a_missing_one(cast, rival):
    world = World(cast)
    theirs = as_rival(rival).get(f"/api/v1/orders/{world.order}/")
    missing = as_rival(rival).get("/api/v1/orders/HUB-9999999/")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()
    assert world.order not in theirs.content.decode()


def test_rival_order_for_anothers_account_answers_as_an_unknown_account(cast, rival):
    def order_for(account: str, key: str):
        body = payload("order_storefront_cases.json") | {"account": account}
        return as_rival(rival).post(
            "/api/v1/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY=key
        )

    theirs, unknown = order_for("NW-1001", "walk-1"), order_for("ZZ-0000", "walk-2")
    assert theirs.status_code == unknown.status_code == 400
    assert theirs.json()["error"]["code"] == unknown.json()["error"]["code"] == "unknown_account"
    assert theirs.json()["error"]["fields"] == unknown.json()["error"]["fields"]


@pytest.mark.parametrize("entity", ACCOUNT_SCOPED)
def test_rival_record_write_answers_as_a_missing_record(cast, rival, entity):
    world = World(cast)
    world.create(entity)
    stored = json.dumps(world._fill(SAMPLES[entity]["fields"]))
    held_before = QuarantineItem.objects.count()
    body = {"key": world._fill(SAMPLES[entity]["key"]), "fields": SAMPLES[entity]["change"]}

    theirs = _write(rival, entity, body, "walk-theirs")
    missing = _write(rival, entity, _elsewhere(body, world.order), "walk-missing")

    assert theirs.status_code == 404, theirs.content
    assert missing.status_code in (404, 400), missing.content
    if missing.status_code == 404:
        assert theirs.json()["error"]["code"] == missing.json()["error"]["code"]
    assert QuarantineItem.objects.count() == held_before, "nothing is queued for a person"
    for value in json.loads(stored).values():
        if isinstance(value, str) and len(value) > 3 and value not in json.dumps(body):
            assert value not in theirs.content.decode(), f"{entity} answer echoes {value!r}"
    assert Envelope.objects.filter(idempotency_key="walk-theirs").get().response_status == 404


def test_rival_status_reports_answer_alike_for_anothers_order_and_a_missing_one(cast, rival):
    world = World(cast)
    order = order_transition(
        order=Order.objects.get(number=world.order),
        from_statuses=[OrderStatus.RECEIVED],
        to_status=OrderStatus.SUBMITTED,
        external_ref="ERP-500001",
    )

    def cancel(number: str, key: str):
        document = {"document_id": key, "order_number": number, "status": "CA"}
        return as_rival(rival).post(
            "/api/v1/webhooks/order-status/", document, format="json", HTTP_IDEMPOTENCY_KEY=key
        )

    theirs, missing = cancel("ERP-500001", "walk-1"), cancel("ERP-999999", "walk-2")
    assert theirs.status_code == missing.status_code == 403
    assert theirs.json() == missing.json()
    assert world.order not in theirs.content.decode()
    assert Order.objects.get(pk=order.pk).status == OrderStatus.SUBMITTED
    assert not Delivery.objects.filter(flow__code="order-status").exists()


def test_rival_references_to_anothers_account_are_unknown(cast, rival):
    def buyer_for(account: str, email: str):
        body = {"key": {"email": email}, "fields": {"account": account, "name": "Probe"}}
        return _write(rival, "buyer", body, f"ref-{email}")

    theirs = buyer_for("NW-1001", "a@probe.example")
    unknown = buyer_for("ZZ-0000", "b@probe.example")
    assert theirs.status_code == unknown.status_code == 400
    assert theirs.json()["error"]["fields"].keys() == unknown.json()["error"]["fields"].keys()
    assert "Northwind" not in theirs.content.decode()


def test_rival_writes_within_its_own_account_reach_the_matrix(cast, rival):
    erp = partner_token_issue(partner_code="erp")
    limit = {"key": {"account": "CT-2001"}, "fields": {"limit": "1000.00", "currency": "USD"}}
    assert _write(erp, "credit_limit", limit, "erp-limit").status_code == 201
    raised = {"key": {"account": "CT-2001"}, "fields": {"limit": "9000.00"}}
    response = _write(rival, "credit_limit", raised, "own-1")
    assert response.status_code == 202, response.content
    assert QuarantineItem.objects.filter(subject_type="credit_limit").count() == 1


def test_entity_outside_a_systems_matrix_roles_answers_as_unknown(cast):
    token = partner_token_issue(partner_code="wms")
    body = {"key": {"number": "CART-1"}, "fields": {"status": "abandoned"}}
    cart = _write(token, "cart", body, "wms-cart")
    nothing = _write(token, "spaceship", body, "wms-ship")
    assert cart.status_code == nothing.status_code == 404
    assert cart.json()["error"]["code"] == nothing.json()["error"]["code"]
    assert not QuarantineItem.objects.exists()


def test_non_owner_answer_names_the_owner_but_not_its_value(cast):
    world = World(cast)
    world.create("contract_price")
    sample = SAMPLES["contract_price"]
    response = world.write("storefront", "contract_price", sample["key"], {"unit_price": "1.00"})
    assert response.status_code == 202
    [held] = response.json()["quarantined"]
    assert held["owner_system"] == "erp" and "current" not in held
    assert "6.25" not in response.content.decode()
    item = QuarantineItem.objects.get(subject_type="contract_price")
    assert item.problems[0]["current"] == "6.2500", "the person deciding still sees both values"


def test_creating_a_record_it_may_not_create_queues_nothing(cast):
    # The storefront only reads contract prices: a "new" one is a record it cannot have.
    token = partner_token_issue(partner_code="storefront")
    body = {
        "key": {"account": "NW-1001", "product": "ACME-GLOVE-L", "valid_from": "2031-01-01"},
        "fields": {"unit_price": "1.00"},
    }
    response = _write(token, "contract_price", body, "new-price")
    assert response.status_code == 404
    assert not QuarantineItem.objects.exists()


def _write(token: str, entity: str, body: dict, key: str):
    return as_rival(token).post(
        f"/api/v1/records/{entity}/", body, format="json", HTTP_IDEMPOTENCY_KEY=key
    )


def _elsewhere(body: dict, order_number: str) -> dict:
    """The same write aimed at a record that does not exist."""
    key = {}
    for name, value in body["key"].items():
        if value == order_number:
            key[name] = "HUB-9999999"
        elif isinstance(value, str) and name in ("number", "code", "certificate", "reference"):
            key[name] = "ZZ-NOPE-1"
        elif isinstance(value, str) and name == "email":
            key[name] = "nobody@nowhere.example"
        else:
            key[name] = value
    return {"key": key, "fields": body["fields"]}
