"""Partner credentials: per-partner tokens revoked and rotated, OAuth2 clients issued,
rotated and revoked, and the partner behind an OAuth2 access token."""

from __future__ import annotations

import base64
import datetime
import hashlib
import secrets
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import AccessToken, Application

from apps.api.models import PartnerClient, PartnerToken
from apps.api.scopes import scopes_parse
from apps.api.services import partner_system_read, partner_token_issue
from apps.core.db_values import column_value
from apps.core.errors import InvalidTransition, NotFound, ValidationFailed
from apps.exchange.config_cache import CONFIG_VERSION_SQL
from apps.systems.models import PartnerWebhook, System


def partner_token_revoke(*, token: PartnerToken) -> PartnerToken:
    """Stop a token working now; the row stays, so the admin still lists it."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
    return token


def partner_token_rotate(*, token: PartnerToken) -> str:
    """Revoke a token and issue its partner a new one; returns the new key (shown once)."""
    partner_token_revoke(token=token)
    return partner_token_issue(partner_code=token.system.code)


@dataclass(frozen=True)
class ClientCredentials:
    """A new OAuth2 client's id and secret; the secret is stored hashed and shown only now."""

    client: PartnerClient
    client_id: str
    client_secret: str


@transaction.atomic
def partner_client_issue(*, partner_code: str, scopes: str) -> ClientCredentials:
    """Create an OAuth2 client-credentials client for a partner with the given scopes."""
    system = System.objects.filter(code=partner_code, is_active=True).first()
    if system is None:
        raise NotFound(f"No active partner system with code {partner_code!r}.")
    names = _scopes_checked(scopes)
    secret = generate_client_secret()
    application = Application.objects.create(
        name=f"{system.code} partner client",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        client_secret=secret,
        hash_client_secret=True,
    )
    client = PartnerClient.objects.create(
        system=system,
        application=application,
        client_id=application.client_id,
        scopes=" ".join(names),
    )
    return ClientCredentials(client, application.client_id, secret)


def _scopes_checked(scopes: str) -> list[str]:
    try:
        names = scopes_parse(scopes)
    except ValueError as exc:
        raise ValidationFailed(str(exc), fields={"scopes": [str(exc)]}) from None
    if not names:
        raise ValidationFailed("Name at least one scope.", fields={"scopes": ["Required."]})
    return names


@transaction.atomic
def partner_client_rotate(*, client: PartnerClient) -> ClientCredentials:
    """A new secret for the client; the old one and every token issued with it stop working."""
    if client.revoked_at is not None or client.application is None:
        raise InvalidTransition(f"Client {client.client_id} is revoked; issue a new one.")
    secret = generate_client_secret()
    application = client.application
    application.client_secret = secret
    application.save()
    AccessToken.objects.filter(application=application).delete()
    client.last_rotated_at = timezone.now()
    client.save(update_fields=["last_rotated_at", "updated_at"])
    return ClientCredentials(client, client.client_id, secret)


@transaction.atomic
def partner_client_revoke(*, client: PartnerClient) -> PartnerClient:
    """Stop a client for good: its application goes, with every token it was issued."""
    if client.revoked_at is None:
        client.revoked_at = timezone.now()
        client.save(update_fields=["revoked_at", "updated_at"])
    if client.application is not None:
        # Deleting the application deletes its tokens with it (the toolkit's cascade).
        client.application.delete()
        client.application = None
    return client


def partner_for_oauth_token(*, token: str) -> tuple[System, frozenset, str, str | None] | None:
    """(partner system, scopes, client id, configuration version) for a live OAuth2 access
    token, else None. Checked in the database on every call and written out in SQL, as
    `partner_token_read` is; the system comes from memory under the version read with it."""
    with connection.cursor() as cursor:
        cursor.execute(OAUTH_TOKEN_READ_SQL, [hashlib.sha256(token.encode()).hexdigest()])
        row = cursor.fetchone()
    if row is None:
        return None
    system_pk, client_id, client_scopes, token_scope, expires, version = row
    # As the toolkit's AccessToken.is_expired().
    expires = column_value(ACCESS_TOKEN_EXPIRES, expires)
    if not expires or timezone.now() >= expires:
        return None
    system = partner_system_read(system_pk=system_pk, version=version)
    if system is None:
        return None
    # The token holds what it was issued with, never more than the client has now.
    scopes = frozenset(token_scope.split()) & frozenset(client_scopes.split())
    return system, scopes, client_id, version


# A token of a deleted application (rotation deletes its tokens, revocation the application)
# or of a revoked client, or of an inactive partner, finds no row.
OAUTH_TOKEN_READ_SQL = (
    'SELECT "c"."system_id", "c"."client_id", "c"."scopes", "t"."scope", "t"."expires", '
    f"{CONFIG_VERSION_SQL} "
    f'FROM "{AccessToken._meta.db_table}" AS "t" '
    'INNER JOIN "api_partnerclient" AS "c" ON "c"."application_id" = "t"."application_id" '
    'INNER JOIN "systems_system" AS "s" ON "s"."id" = "c"."system_id" '
    'WHERE "t"."token_checksum" = %s AND "c"."revoked_at" IS NULL AND "s"."is_active"'
)
ACCESS_TOKEN_EXPIRES = AccessToken._meta.get_field("expires")


# While a partner switches to a rotated secret, the hub signs with both for this long.
SECRET_OVERLAP = datetime.timedelta(days=1)


def webhook_secret_new() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def partner_webhook_configure(*, system: System, url: str) -> tuple[PartnerWebhook, str | None]:
    """Set where a partner's events go; a new endpoint gets a new secret (returned, else None).

    Events start from now: order history from before the endpoint existed is not sent.
    """
    hook = PartnerWebhook.objects.filter(system=system).first()
    if hook is not None:
        hook.url = url
        hook.save(update_fields=["url", "updated_at"])
        return hook, None
    secret = webhook_secret_new()
    hook = PartnerWebhook.objects.create(
        system=system, url=url, secret=secret, events_seen_until=timezone.now()
    )
    return hook, secret


def partner_webhook_rotate(*, hook: PartnerWebhook) -> str:
    """A new signing secret; the old one still signs alongside it for SECRET_OVERLAP."""
    secret = webhook_secret_new()
    hook.previous_secret, hook.secret = hook.secret, secret
    hook.previous_secret_until = timezone.now() + SECRET_OVERLAP
    hook.save(update_fields=["secret", "previous_secret", "previous_secret_until", "updated_at"])
    return secret
