import re

from rest_framework import authentication, exceptions

from apps.api.credentials import partner_for_oauth_token
from apps.api.scopes import ALL_SCOPES
from apps.api.services import partner_token_read

# Tokens are URL-safe text; anything else is no token of ours, and never reaches the database.
TOKEN_TEXT = re.compile(r"[A-Za-z0-9_\-.~+/=]{1,200}")


class PartnerPrincipal:
    """The caller of the partner API: a system, not a person, with its credential's scopes."""

    is_authenticated = True

    def __init__(
        self, system, scopes=ALL_SCOPES, credential: str = "", config_version: str | None = None
    ):
        self.system = system
        self.scopes = frozenset(scopes)
        # Which credential made the call, for the access log: "token:<prefix>" or "oauth:<id>".
        self.credential = credential
        # The configuration version read with the credential (apps/exchange/config_cache.py).
        self.config_version = config_version

    def __str__(self) -> str:
        return f"partner:{self.system.code}"


class PartnerTokenAuthentication(authentication.BaseAuthentication):
    """`Token <key>` (a per-partner token, every scope) or `Bearer <token>` (OAuth2 client
    credentials, the client's scopes; a per-partner token is accepted as Bearer too)."""

    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0] not in (self.keyword, "Bearer"):
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Authorization header must be 'Token <key>'.")
        if not TOKEN_TEXT.fullmatch(header[1]):
            raise exceptions.AuthenticationFailed("Unknown or revoked token.")
        principal = None
        if header[0] == "Bearer":
            principal = _oauth_principal(header[1])
        if principal is None:
            principal = _token_principal(header[1])
        if principal is None:
            raise exceptions.AuthenticationFailed("Unknown, expired or revoked token.")
        return principal, header[1]

    def authenticate_header(self, request):
        return self.keyword


def _oauth_principal(key: str) -> PartnerPrincipal | None:
    found = partner_for_oauth_token(token=key)
    if found is None:
        return None
    system, scopes, client_id, version = found
    return PartnerPrincipal(system, scopes, credential=f"oauth:{client_id}", config_version=version)


def _token_principal(key: str) -> PartnerPrincipal | None:
    found = partner_token_read(key=key)
    if found is None:
        return None
    system, version = found
    return PartnerPrincipal(
        system, ALL_SCOPES, credential=f"token:{key[:8]}", config_version=version
    )
