"""Per-partner request limits: 429 with Retry-After past the limit, counted in the shared cache."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.contrib import admin
from django.test import RequestFactory, override_settings
from rest_framework.test import APIClient

from apps.api.services import partner_token_issue
from apps.api.throttling import WINDOW_SECONDS
from apps.exchange.models import Envelope
from apps.systems.models import System, SystemKind
from tests.conftest import payload

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
REDIS_CACHE_URL = os.environ.get("HUB_TEST_CACHE_URL", "redis://127.0.0.1:6379/14")
REDIS_CACHE = {"BACKEND": "django.core.cache.backends.redis.RedisCache"}


@pytest.fixture(autouse=True)
def fresh_minute():
    """Start each test well inside a clock minute, so its counts all fall in one window."""
    left = WINDOW_SECONDS - time.time() % WINDOW_SECONDS
    if left < 10:
        time.sleep(left + 0.1)


def ownership(token: str):
    return APIClient().get(
        "/api/v1/ownership/",
        {"entity": "order", "field": "po_number"},
        HTTP_AUTHORIZATION=f"Token {token}",
    )


def limit(code: str, per_minute: int | None) -> None:
    system = System.objects.get(code=code)
    system.api_requests_per_minute = per_minute
    system.save(update_fields=["api_requests_per_minute"])


def second_partner() -> str:
    System.objects.create(code="acme-market", name="Acme marketplace", kind=SystemKind.MARKETPLACE)
    return partner_token_issue(partner_code="acme-market")


def test_partner_over_its_limit_gets_429_with_retry_after_and_the_error_body(cast):
    limit("storefront", 2)
    assert [ownership(cast.token).status_code for _ in range(2)] == [200, 200]
    response = ownership(cast.token)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= WINDOW_SECONDS
    error = response.json()["error"]
    assert error["code"] == "throttled"
    assert error["fields"] == {}
    assert f"{response['Retry-After']} second" in error["message"]


def test_another_partner_keeps_its_own_budget(cast):
    other = second_partner()
    limit("storefront", 1)
    limit("acme-market", 1)
    ownership(cast.token)
    assert ownership(cast.token).status_code == 429
    assert ownership(other).status_code == 200


def test_raising_one_partners_limit_lets_it_make_more_requests(cast):
    limit("storefront", 5)
    answers = [ownership(cast.token).status_code for _ in range(6)]
    assert answers == [200] * 5 + [429]


@override_settings(HUB_PARTNER_RATE_PER_MINUTE=3)
def test_partner_without_a_limit_of_its_own_gets_the_hub_default(cast):
    limit("storefront", None)
    answers = [ownership(cast.token).status_code for _ in range(4)]
    assert answers == [200] * 3 + [429]


def test_throttled_order_is_refused_before_anything_is_stored(cast):
    limit("storefront", 1)
    ownership(cast.token)
    response = APIClient().post(
        "/api/v1/orders/",
        payload("order_storefront_cases.json"),
        format="json",
        HTTP_IDEMPOTENCY_KEY="over-the-limit",
        **cast.auth(),
    )
    assert response.status_code == 429
    assert not Envelope.objects.exists()


def test_schema_and_docs_have_no_partner_and_are_not_counted(cast):
    limit("storefront", 1)
    assert APIClient().get("/api/v1/schema/").status_code == 200
    assert APIClient().get("/api/v1/docs/").status_code == 200
    assert ownership(cast.token).status_code == 200


def test_an_unreachable_cache_lets_requests_through(cast):
    limit("storefront", 1)
    with override_settings(CACHES={"default": REDIS_CACHE | {"LOCATION": "redis://127.0.0.1:9/0"}}):
        answers = [ownership(cast.token).status_code for _ in range(2)]
    assert answers == [200, 200]


def test_integration_admin_can_set_a_partners_limit(cast):
    request = RequestFactory().get("/admin/systems/system/add/")
    request.user = cast.user("admin")
    form = admin.site._registry[System].get_form(request)
    assert "api_requests_per_minute" in form.base_fields


@pytest.fixture
def redis_cache():
    """Django's cache on a real Redis, the production setup; its own database, emptied."""
    client = redis.Redis.from_url(REDIS_CACHE_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        reason = f"Redis is not reachable at {REDIS_CACHE_URL}: the shared-count test needs it"
        if os.environ.get("HUB_REQUIRE_SERVICES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    client.flushdb()
    with override_settings(CACHES={"default": REDIS_CACHE | {"LOCATION": REDIS_CACHE_URL}}):
        yield
    client.flushdb()


# Another process counts requests for the same partner through the throttle: what a second
# gunicorn worker does. It needs only the partner's id and limit, not the test's database.
OTHER_PROCESS = """
import sys
import django
django.setup()
from django.http import HttpRequest
from apps.api.authentication import PartnerPrincipal
from apps.api.throttling import PartnerRateThrottle
from apps.systems.models import System
request = HttpRequest()
request.user = PartnerPrincipal(System(pk=int(sys.argv[1]), api_requests_per_minute=3))
print(sum(PartnerRateThrottle().allow_request(request, None) for _ in range(5)))
"""


def requests_allowed_in_another_process(system: System) -> int:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "integration_hub.test_settings",
        "CACHE_URL": REDIS_CACHE_URL,
    }
    done = subprocess.run(
        [sys.executable, "-c", OTHER_PROCESS, str(system.pk)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return int(done.stdout.strip().splitlines()[-1])


# Every test that empties a shared Redis database runs in one pytest-xdist process, in turn.
@pytest.mark.xdist_group("redis")
def test_processes_share_one_count_per_partner_through_redis(cast, redis_cache):
    limit("storefront", 3)
    assert ownership(cast.token).status_code == 200
    # The other process sees this one's request: of its five, only two fit under three.
    assert requests_allowed_in_another_process(System.objects.get(code="storefront")) == 2
    assert ownership(cast.token).status_code == 429


def test_a_rate_below_one_stops_start_up_naming_the_variable():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "integration_hub.test_settings"}
    env["HUB_PARTNER_RATE_PER_MINUTE"] = "0"
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "HUB_PARTNER_RATE_PER_MINUTE must be a whole number >= 1, not '0'" in done.stderr
