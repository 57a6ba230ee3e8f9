"""The credential reads written out in SQL answer as the ORM queries they replaced did, and
the partner's system they hand over is kept in memory only under the version read with them."""

import base64
import datetime
import hashlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from oauth2_provider.models import AccessToken
from rest_framework.test import APIClient

from apps.api.credentials import (
    ACCESS_TOKEN_EXPIRES,
    OAUTH_TOKEN_READ_SQL,
    partner_client_issue,
    partner_client_revoke,
    partner_client_rotate,
    partner_for_oauth_token,
)
from apps.api.models import PartnerToken, token_digest
from apps.api.services import (
    partner_token_issue,
    partner_token_read,
    token_row_read,
)
from apps.catalog.models import SkuRule
from apps.core.db_values import column_value
from apps.exchange.config_cache import CONFIG_VERSION_SQL, config_version_column
from apps.exchange.models import ConfigVersion
from apps.systems.models import System

pytestmark = pytest.mark.django_db


def orm_token_row(key: str):
    # The query partner_token_read ran before it was written out.
    token = (
        PartnerToken.objects.select_related("system__skurule")
        .filter(digest=token_digest(key), revoked_at__isnull=True, system__is_active=True)
        .annotate(config_version=config_version_column())
        .first()
    )
    if token is None:
        return None
    return token.pk, token.system_id, token.last_used_at, token.config_version


def storefront_token(cast) -> PartnerToken:
    return PartnerToken.objects.get(prefix=cast.token[:8])


def test_the_version_in_sql_is_the_orm_subquery(cast):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {CONFIG_VERSION_SQL}")
        (version,) = cursor.fetchone()
    assert version == ConfigVersion.objects.get(pk=1).token
    assert version == PartnerToken.objects.annotate(v=config_version_column()).first().v


def test_a_valid_token_reads_as_the_orm_read_it(cast):
    token = storefront_token(cast)
    assert token.last_used_at is None
    row = token_row_read(key=cast.token)
    assert row == orm_token_row(cast.token)
    assert row[:2] == (token.pk, token.system_id)


@pytest.mark.parametrize(
    "seen",
    [
        datetime.datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=datetime.UTC),
        datetime.datetime(2026, 3, 1, 9, 30, tzinfo=datetime.UTC),
    ],
    ids=["microseconds", "whole-minute"],
)
def test_last_used_at_comes_back_aware_and_to_the_microsecond(cast, seen):
    PartnerToken.objects.filter(prefix=cast.token[:8]).update(last_used_at=seen)
    row = token_row_read(key=cast.token)
    assert row == orm_token_row(cast.token)
    assert row[2] == seen
    assert timezone.is_aware(row[2])


@pytest.mark.parametrize(
    "refusal",
    [
        lambda cast: PartnerToken.objects.update(revoked_at=timezone.now()),
        lambda cast: System.objects.filter(code="storefront").update(is_active=False),
    ],
    ids=["revoked", "inactive-system"],
)
def test_a_refused_token_finds_no_row_either_way(cast, refusal):
    assert token_row_read(key=cast.token) is not None
    refusal(cast)
    assert token_row_read(key=cast.token) is None
    assert orm_token_row(cast.token) is None
    assert partner_token_read(key=cast.token) is None


def test_an_unknown_token_finds_no_row_either_way(cast):
    assert token_row_read(key="not-a-token") is None
    assert orm_token_row("not-a-token") is None


def test_the_system_comes_with_its_sku_rule_and_the_version(cast):
    storefront = System.objects.get(code="storefront")
    rule = SkuRule.objects.create(system=storefront, strip_prefix="SF-")
    system, version = partner_token_read(key=cast.token)
    assert system.pk == storefront.pk
    assert version == ConfigVersion.objects.get(pk=1).token
    with CaptureQueriesContext(connection) as captured:
        assert system.skurule.strip_prefix == rule.strip_prefix
    assert not captured.captured_queries


def test_the_system_is_read_once_then_kept_under_the_version(cast):
    first, _ = partner_token_read(key=cast.token)
    with CaptureQueriesContext(connection) as captured:
        again, _ = partner_token_read(key=cast.token)
    assert again is first
    sql = [query["sql"] for query in captured.captured_queries]
    assert len(sql) == 1, sql  # the token, checked every time; last_used_at is fresh


def test_a_new_version_reads_the_system_again(cast):
    first, _ = partner_token_read(key=cast.token)
    ConfigVersion.objects.filter(pk=1).update(token="another")
    again, version = partner_token_read(key=cast.token)
    assert version == "another"
    assert again is not first


def test_a_second_token_of_the_same_partner_shares_the_kept_system(cast):
    other = partner_token_issue(partner_code="storefront")
    assert partner_token_read(key=other)[0] is partner_token_read(key=cast.token)[0]


# OAuth2 client credentials


def token_for(client_id: str, secret: str) -> str:
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    answer = APIClient().post(
        "/api/v1/oauth/token/",
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )
    assert answer.status_code == 200, answer.content
    return answer.json()["access_token"]


def orm_oauth(token: str):
    # The query partner_for_oauth_token ran before it was written out.
    found = (
        AccessToken.objects.select_related("application__partner_client__system__skurule")
        .filter(token_checksum=hashlib.sha256(token.encode()).hexdigest())
        .annotate(config_version=config_version_column())
        .first()
    )
    if found is None or found.is_expired() or found.application is None:
        return None
    client = getattr(found.application, "partner_client", None)
    if client is None or client.revoked_at is not None or not client.system.is_active:
        return None
    scopes = frozenset(found.scope.split()) & frozenset(client.scope_list())
    return client.system.pk, scopes, client.client_id, found.config_version


def sql_oauth(token: str):
    found = partner_for_oauth_token(token=token)
    if found is None:
        return None
    system, scopes, client_id, version = found
    return system.pk, scopes, client_id, version


@pytest.fixture
def issued(cast):
    client = partner_client_issue(partner_code="storefront", scopes="orders:write prices:read")
    return client, token_for(client.client_id, client.client_secret)


def test_a_live_oauth_token_reads_as_the_orm_read_it(issued):
    client, token = issued
    found = sql_oauth(token)
    assert found == orm_oauth(token)
    assert found[1:3] == (frozenset({"orders:write", "prices:read"}), client.client_id)


def test_oauth_scopes_are_what_both_token_and_client_still_hold(issued):
    client, token = issued
    type(client.client).objects.filter(pk=client.client.pk).update(scopes="prices:read")
    assert sql_oauth(token) == orm_oauth(token)
    assert sql_oauth(token)[1] == frozenset({"prices:read"})


def test_an_expired_oauth_token_is_refused_at_its_expiry_either_way(issued):
    _, token = issued
    AccessToken.objects.update(expires=timezone.now() + datetime.timedelta(seconds=30))
    assert sql_oauth(token) is not None
    AccessToken.objects.update(expires=timezone.now())
    assert sql_oauth(token) is None
    assert orm_oauth(token) is None


def test_oauth_expiry_comes_back_aware_as_stored(issued):
    _, token = issued
    expires = datetime.datetime(2030, 1, 2, 3, 4, 5, 678901, tzinfo=datetime.UTC)
    AccessToken.objects.update(expires=expires)
    with connection.cursor() as cursor:
        cursor.execute(OAUTH_TOKEN_READ_SQL, [hashlib.sha256(token.encode()).hexdigest()])
        stored = cursor.fetchone()[4]
    assert column_value(ACCESS_TOKEN_EXPIRES, stored) == expires


@pytest.mark.parametrize(
    "refusal",
    [
        lambda client: partner_client_revoke(client=client),
        lambda client: partner_client_rotate(client=client),
        lambda client: type(client).objects.filter(pk=client.pk).update(revoked_at=timezone.now()),
        lambda client: System.objects.filter(code="storefront").update(is_active=False),
        lambda client: type(client).objects.filter(pk=client.pk).update(application=None),
    ],
    ids=["revoked", "rotated", "revoked-row-only", "inactive-system", "no-application"],
)
def test_a_refused_oauth_token_is_refused_either_way(issued, refusal):
    client, token = issued
    assert sql_oauth(token) is not None
    refusal(client.client)
    assert sql_oauth(token) is None
    assert orm_oauth(token) is None


def test_an_unknown_oauth_token_is_refused_either_way(cast):
    assert sql_oauth("not-a-token") is None
    assert orm_oauth("not-a-token") is None
