from __future__ import annotations

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
    PartnerToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.system
