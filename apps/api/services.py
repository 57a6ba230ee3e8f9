from __future__ import annotations

import binascii
import datetime

from django.utils import timezone
from standardwebhooks import Webhook, WebhookVerificationError

from apps.api.models import PartnerToken, WebhookSecret, token_digest
from apps.core.errors import NotFound
from apps.exchange.config_cache import config_version_column
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

    Read in one query with the token, so a revoked token fails the very next request: the
    system with its SKU rule (order capture maps the partner's SKUs with it) and the version
    that tells this process whether the configuration it keeps in memory is still current.
    """
    token = (
        PartnerToken.objects.select_related("system__skurule")
        .filter(digest=token_digest(key), revoked_at__isnull=True, system__is_active=True)
        .annotate(config_version=config_version_column())
        .first()
    )
    if token is None:
        return None
    _token_seen(token)
    return token.system, token.config_version


# last_used_at tells an admin whether a token is still in use; to the minute is enough, and
# a write on every request costs a query and a row lock on the busiest path.
TOKEN_USE_GRAIN = datetime.timedelta(minutes=1)


def _token_seen(token: PartnerToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_USE_GRAIN:
        PartnerToken.objects.filter(pk=token.pk).update(last_used_at=now)


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
