import json
import os
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache

from apps.api.services import partner_token_issue
from apps.exchange.config_cache import config_forget
from apps.operations.demo_data import seed_demo
from apps.ownership.models import FieldOwnership

# Playwright's sync API runs an event loop in the test thread; Django must still allow ORM use.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PAYLOADS = Path(__file__).resolve().parent.parent / "fixtures" / "payloads"
UNREACHABLE = "http://127.0.0.1:9"


def payload(name: str) -> dict:
    return json.loads((PAYLOADS / name).read_text())


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with no API request counts, and no configuration kept in memory,
    left over from another."""
    cache.clear()
    config_forget()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    # Seed once: plain `db` tests roll back to this. pytest-django runs transactional tests
    # after them; those flush the tables, so `cast` seeds again when it finds them empty.
    with django_db_blocker.unblock():
        seed_demo(hub_url=UNREACHABLE)


@pytest.fixture
def cast(db):
    """The demo cast and reference data; outside systems unreachable (no live server)."""
    if not FieldOwnership.objects.exists():
        seed_demo(hub_url=UNREACHABLE)
    return _Cast()


@pytest.fixture
def live_cast(live_server):
    """The demo cast with the sandbox systems served for real by the live server."""
    seed_demo(hub_url=live_server.url)
    return _Cast(url=live_server.url)


class _Cast:
    def __init__(self, url: str = UNREACHABLE):
        self.url = url
        self.token = partner_token_issue(partner_code="storefront")

    @staticmethod
    def user(username: str) -> User:
        return User.objects.get(username=username)

    def auth(self) -> dict:
        return {"HTTP_AUTHORIZATION": f"Token {self.token}"}
