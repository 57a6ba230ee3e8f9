"""Every route of the partner API, read by a second partner against the first one's data.

The routes come from the URL configuration itself: a new route is walked without anyone
listing it. Whatever the marketplace names of the storefront's (an order number in the path,
an account in the query), the answer is exactly the answer for something that does not exist,
and no answer carries the storefront's identifiers.
"""

import re

import pytest
from django.urls import URLPattern, get_resolver

from apps.api.credentials import partner_webhook_configure
from apps.exchange.handlers.partner_webhooks import partner_webhooks_emit
from apps.exchange.models import Envelope, EnvelopeStatus
from apps.orders.models import OrderStatus
from apps.systems.models import System
from tests.api.partner_world import client_for, marketplace, order_post, order_to

pytestmark = pytest.mark.django_db

MISSING = {"number": "HUB-9999999", "entity": "no_such_entity"}


def api_routes() -> list[tuple[str, URLPattern]]:
    """(route template, pattern) for every route under /api/v1/, from the URL configuration."""
    found = []
    for include in get_resolver().url_patterns:
        if getattr(include, "namespace", None) != "api":
            continue
        prefix = str(include.pattern)
        found += [(prefix + str(pattern.pattern), pattern) for pattern in include.url_patterns]
    return found


def path_for(template: str, values: dict) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda match: values[match.group(1)], template)


def reads(pattern: URLPattern) -> bool:
    view = getattr(pattern.callback, "view_class", None) or getattr(pattern.callback, "cls", None)
    return view is not None and hasattr(view, "get")


@pytest.fixture
def world(cast):
    """The storefront with an order, an event sent for it and a rejected payload."""
    storefront = System.objects.get(code="storefront")
    api = client_for(cast.token)
    number = order_post(api, "walk-order")["number"]
    order_to(number, OrderStatus.ACKNOWLEDGED)
    partner_webhook_configure(system=storefront, url="http://127.0.0.1:9/hooks")
    partner_webhooks_emit()
    api.post("/api/v1/orders/", {"account": "NW-1001"}, format="json", HTTP_IDEMPOTENCY_KEY="bad")
    assert Envelope.objects.filter(partner=storefront, status=EnvelopeStatus.REJECTED).exists()
    _, token = marketplace()
    theirs = {"number": number, "entity": "company_account"}
    secrets = [number, "NW-1001", "NW-1002", "walk-order", "Northwind"]
    return client_for(token), theirs, secrets


def test_the_walk_finds_the_api_routes():
    names = {pattern.name for _, pattern in api_routes()}
    assert {"orders", "order-detail", "accounts", "prices", "failures", "schema"} <= names


@pytest.mark.parametrize("template", [template for template, _ in api_routes()])
def test_anothers_objects_answer_as_missing_ones_on_every_route(world, template):
    rival, theirs, secrets = world
    pattern = dict(api_routes())[template]
    if not reads(pattern):
        pytest.skip("write-only route: tests/api/test_partner_isolation.py walks its writes")
    for query in ("", "?account=NW-1001"):
        mine = rival.get(path_for(template, theirs) + query)
        missing_query = query.replace("NW-1001", "ZZ-0000")
        missing = rival.get(path_for(template, MISSING) + missing_query)
        assert mine.status_code == missing.status_code, (template, query, mine.content)
        body = mine.content.decode()
        if mine.status_code >= 400:
            assert mine.content == missing.content, (template, query)
        if template.endswith(("schema/", "docs/")):
            continue  # the public description of the API names example accounts
        for secret in secrets:
            assert secret not in body, f"{template}{query} shows the storefront's {secret}"
