"""Links to the failures page for a person at a partner: no tool sending a token needed.

An admin issues one for a partner (and says for whom, in the note); it opens
`/api/v1/failures/page/?link=<key>` in any browser until it expires or is revoked. The key
reads that page and nothing else: the principal it makes holds only `failures:read`, and only
the page's view accepts it. Each use is in the partner access log as `link:<prefix>`.
"""

from __future__ import annotations

import datetime
import secrets

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from apps.api.authentication import TOKEN_TEXT, PartnerPrincipal
from apps.api.models import FailureLink, token_digest
from apps.core.errors import NotFound, ValidationFailed

LINK_PARAMETER = "link"
LINK_SCOPES = frozenset({"failures:read"})
DEFAULT_DAYS = 7
MAX_DAYS = 30


def failure_link_issue(
    *, system, issued_by=None, days: int = DEFAULT_DAYS, note: str = ""
) -> tuple[FailureLink, str]:
    """A new link for the partner; returns it and its path (shown once: only a digest is kept)."""
    if not system.is_active:
        raise NotFound(f"{system.code} is not an active partner system.")
    if not 1 <= days <= MAX_DAYS:
        raise ValidationFailed(
            f"A link lasts 1 to {MAX_DAYS} days.", fields={"days": [f"1 to {MAX_DAYS}."]}
        )
    key = secrets.token_urlsafe(32)
    link = FailureLink.objects.create(
        system=system,
        digest=token_digest(key),
        prefix=key[:8],
        expires_at=timezone.now() + datetime.timedelta(days=days),
        issued_by=issued_by,
        note=note[:200],
    )
    return link, f"{reverse('api:failures-page')}?{urlencode({LINK_PARAMETER: key})}"


def failure_link_revoke(*, link: FailureLink) -> None:
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at", "updated_at"])


def failure_link_principal(*, key: str) -> PartnerPrincipal | None:
    """Whose failures the key opens, or None for an unknown, expired or revoked key."""
    if not TOKEN_TEXT.fullmatch(key):
        return None
    link = (
        FailureLink.objects.select_related("system")
        .filter(
            digest=token_digest(key),
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
            system__is_active=True,
        )
        .first()
    )
    if link is None:
        return None
    return PartnerPrincipal(link.system, LINK_SCOPES, credential=f"link:{link.prefix}")


class FailureLinkAuthentication(authentication.BaseAuthentication):
    """`?link=<key>` on the failures page; without it, the next scheme (a token) is asked."""

    def authenticate(self, request):
        key = request.query_params.get(LINK_PARAMETER)
        if key is None:
            return None
        principal = failure_link_principal(key=key)
        if principal is None:
            raise exceptions.AuthenticationFailed(
                "This link is unknown, expired or revoked; ask the hub for a new one."
            )
        return principal, key


class FailureLinkScheme(OpenApiAuthenticationExtension):
    target_class = "apps.api.failure_links.FailureLinkAuthentication"
    name = "failureLink"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "query",
            "name": LINK_PARAMETER,
            "description": "A link the hub's admin issued for a person at your company: it "
            "opens the failures page only, until it expires (at most 30 days) or is revoked.",
        }
