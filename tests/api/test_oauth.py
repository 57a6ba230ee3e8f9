"""OAuth2 client credentials: a client gets only its scopes; rotated and revoked clients stop."""

import base64

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from apps.api.credentials import partner_client_issue, partner_client_revoke, partner_client_rotate
from apps.api.models import PartnerClient
from tests.api.partner_world import client_for

pytestmark = pytest.mark.django_db
TOKEN_URL = "/api/v1/oauth/token/"


def token_for(client_id: str, secret: str, scope: str | None = None):
    form = {"grant_type": "client_credentials"}
    if scope is not None:
        form["scope"] = scope
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return APIClient().post(TOKEN_URL, form, HTTP_AUTHORIZATION=f"Basic {basic}")


def test_command_prints_the_client_id_and_secret_on_its_last_line(cast, capsys):
    call_command("partner_client", "storefront", "--scopes", "orders:write prices:read")
    client_id, secret = capsys.readouterr().out.strip().splitlines()[-1].split(" ")
    client = PartnerClient.objects.get(client_id=client_id)
    assert client.system.code == "storefront"
    assert client.scope_list() == ["orders:write", "prices:read"]
    assert client.application.client_secret != secret, "only a hash of the secret is stored"
    assert token_for(client_id, secret).status_code == 200


def test_command_refuses_an_unknown_scope(cast):
    with pytest.raises(CommandError, match="Unknown scope"):
        call_command("partner_client", "storefront", "--scopes", "orders:write admin:everything")


def test_a_token_opens_what_its_scopes_name_and_nothing_else(cast):
    issued = partner_client_issue(partner_code="storefront", scopes="prices:read accounts:read")
    answer = token_for(issued.client_id, issued.client_secret, scope="prices:read")
    assert answer.status_code == 200, answer.content
    assert answer.json()["scope"] == "prices:read"
    api = client_for(answer.json()["access_token"], scheme="Bearer")

    assert api.get("/api/v1/prices/").status_code == 200
    refused = api.get("/api/v1/accounts/")  # held by the client, not asked for in this token
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "insufficient_scope"
    assert api.get("/api/v1/orders/").status_code == 403


def test_a_client_cannot_ask_for_a_scope_it_was_not_granted(cast):
    issued = partner_client_issue(partner_code="storefront", scopes="prices:read")
    answer = token_for(issued.client_id, issued.client_secret, scope="orders:write")
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_scope"


def test_no_scope_asked_means_every_scope_the_client_holds(cast):
    issued = partner_client_issue(partner_code="storefront", scopes="prices:read orders:read")
    answer = token_for(issued.client_id, issued.client_secret)
    assert set(answer.json()["scope"].split()) == {"prices:read", "orders:read"}


def test_a_wrong_secret_gets_no_token(cast):
    issued = partner_client_issue(partner_code="storefront", scopes="prices:read")
    assert token_for(issued.client_id, "not-the-secret").status_code == 401


def test_rotation_retires_the_old_secret_and_its_tokens(cast):
    issued = partner_client_issue(partner_code="storefront", scopes="prices:read")
    old_token = token_for(issued.client_id, issued.client_secret).json()["access_token"]
    rotated = partner_client_rotate(client=issued.client)
    assert token_for(issued.client_id, issued.client_secret).status_code == 401
    assert client_for(old_token, "Bearer").get("/api/v1/prices/").status_code == 401
    assert token_for(issued.client_id, rotated.client_secret).status_code == 200


def test_a_revoked_client_and_its_tokens_stop_working(cast):
    issued = partner_client_issue(partner_code="storefront", scopes="prices:read")
    token = token_for(issued.client_id, issued.client_secret).json()["access_token"]
    partner_client_revoke(client=issued.client)
    assert client_for(token, "Bearer").get("/api/v1/prices/").status_code == 401
    assert token_for(issued.client_id, issued.client_secret).status_code == 401
    assert PartnerClient.objects.get(client_id=issued.client_id).revoked_at is not None


def test_a_per_partner_token_holds_every_scope(cast):
    api = client_for(cast.token)
    for path in ("/api/v1/accounts/", "/api/v1/prices/", "/api/v1/orders/", "/api/v1/failures/"):
        assert api.get(path).status_code == 200, path
