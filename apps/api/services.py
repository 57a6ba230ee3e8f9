from __future__ import annotations

import datetime

from django.utils import timezone

from apps.api.models import PartnerToken, token_digest
from apps.core.errors import NotFound
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
    token = (
        PartnerToken.objects.select_related("system")
        .filter(digest=token_digest(key), revoked_at__isnull=True, system__is_active=True)
        .first()
    )
    if token is None:
        return None
    _token_seen(token)
    return token.system


# last_used_at tells an admin whether a token is still in use; to the minute is enough, and
# a write on every request costs a query and a row lock on the busiest path.
TOKEN_USE_GRAIN = datetime.timedelta(minutes=1)


def _token_seen(token: PartnerToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_USE_GRAIN:
        PartnerToken.objects.filter(pk=token.pk).update(last_used_at=now)
