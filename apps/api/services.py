from __future__ import annotations

import binascii
import datetime

from django.db import connection
from django.utils import timezone
from standardwebhooks import Webhook, WebhookVerificationError

from apps.api.models import PartnerToken, WebhookSecret, token_digest
from apps.core.db_values import column_value
from apps.core.errors import NotFound
from apps.exchange.config_cache import CONFIG_VERSION_SQL, config_cached, config_scope
from apps.systems.models import System


def partner_token_issue(*, partner_code: str) -> str:
    """Create a token for a partner system and return the key; it is shown only once."""
    system = System.objects.filter(code=partner_code, is_active=True).first()
    if system is None:
        raise NotFound(f"No active partner system with code {partner_code!r}.")
    key = PartnerToken.new_key()
    PartnerToken.objects.create(system=system, digest=token_digest(key), prefix=key[:8])
    return key


def partner_for_token(*, key: str) -> System | None:
    """The active partner system a token belongs to, or None for an unknown or revoked one."""
    found = partner_token_read(key=key)
    return None if found is None else found[0]


def partner_token_read(*, key: str) -> tuple[System, str | None] | None:
    """(the active partner system a token belongs to, the configuration version), or None
    for an unknown or revoked token.

    The token is checked in the database on every call, so a revoked token or a deactivated
    system fails the very next request; the version comes in the same statement, and tells
    this process whether the system it keeps in memory (`partner_system_read`) is current.
    """
    row = token_row_read(key=key)
    if row is None:
        return None
    token_pk, system_pk, last_used_at, version = row
    _token_seen(token_pk, last_used_at)
    system = partner_system_read(system_pk=system_pk, version=version)
    return None if system is None else (system, version)


def token_row_read(*, key: str) -> tuple | None:
    """(token id, system id, last used, configuration version) of a live token of an active
    system, else None; one statement, values as the ORM would give them."""
    with connection.cursor() as cursor:
        cursor.execute(TOKEN_READ_SQL, [token_digest(key)])
        row = cursor.fetchone()
    if row is None:
        return None
    token_pk, system_pk, last_used_at, version = row
    return token_pk, system_pk, column_value(LAST_USED_AT, last_used_at), version


# Written out: building this query with the ORM and hydrating a token, its system and its SKU
# rule from the row was most of the CPU a request spent authenticating. Only what must be
# read every time is: whether the token is live and its system active.
TOKEN_READ_SQL = (
    'SELECT "t"."id", "t"."system_id", "t"."last_used_at", '
    f"{CONFIG_VERSION_SQL} "
    'FROM "api_partnertoken" AS "t" '
    'INNER JOIN "systems_system" AS "s" ON "s"."id" = "t"."system_id" '
    'WHERE "t"."digest" = %s AND "t"."revoked_at" IS NULL AND "s"."is_active"'
)
LAST_USED_AT = PartnerToken._meta.get_field("last_used_at")


def partner_system_read(*, system_pk: int, version: str | None) -> System | None:
    """A partner's system with its SKU rule (order capture maps the partner's SKUs with it).

    Kept in this process's memory under `version`, the configuration version read with the
    credential; both tables are watched, so a change gives a new version and the next request
    reads them again. The object is shared between requests: nothing may change it.
    """
    with config_scope(version):
        return config_cached(
            ("partner_system", system_pk),
            lambda: System.objects.select_related("skurule").filter(pk=system_pk).first(),
        )


# last_used_at tells an admin whether a token is still in use; to the minute is enough, and
# a write on every request costs a query and a row lock on the busiest path.
TOKEN_USE_GRAIN = datetime.timedelta(minutes=1)


def _token_seen(token_pk: int, last_used_at: datetime.datetime | None) -> None:
    now = timezone.now()
    if last_used_at is None or now - last_used_at >= TOKEN_USE_GRAIN:
        PartnerToken.objects.filter(pk=token_pk).update(last_used_at=now)


def webhook_secret_issue(*, partner_code: str) -> str:
    """Create a signing secret for a system's webhook calls and return it; shown only once."""
    system = System.objects.filter(code=partner_code, is_active=True).first()
    if system is None:
        raise NotFound(f"No active partner system with code {partner_code!r}.")
    secret = WebhookSecret.new_secret()
    WebhookSecret.objects.create(system=system, secret=secret, prefix=secret[:12])
    return secret


def webhook_signature_problem(*, system: System, raw: bytes, headers: dict[str, str]) -> str:
    """Why a webhook call does not carry a valid signature of `system`; "" when it does.

    Standard Webhooks: `webhook-id`, `webhook-timestamp` (within five minutes, so a captured
    call cannot be replayed later) and `webhook-signature` over id, timestamp and body.
    """
    secrets = list(
        WebhookSecret.objects.filter(system=system, revoked_at__isnull=True).order_by("-pk")
    )
    if not secrets:
        return f"No webhook signing secret is set up for {system.code}."
    problem = ""
    for secret in secrets:
        try:
            Webhook(secret.secret).verify(raw, headers, json_parse=False)
        # A mangled header fails base64 or unpacking; a body that is no text fails decoding.
        except (WebhookVerificationError, ValueError, binascii.Error) as exc:
            problem = str(exc) or type(exc).__name__
            continue
        return ""
    return f"The webhook signature does not verify: {problem}."
