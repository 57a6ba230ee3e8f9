import re

from rest_framework import authentication, exceptions

from apps.api.services import partner_for_token

# Tokens are URL-safe text; anything else is no token of ours, and never reaches the database.
TOKEN_TEXT = re.compile(r"[A-Za-z0-9_\-.~+/=]{1,200}")


class PartnerPrincipal:
    """The caller of the partner API: a system, not a person."""

    is_authenticated = True

    def __init__(self, system):
        self.system = system

    def __str__(self) -> str:
        return f"partner:{self.system.code}"


class PartnerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0] not in (self.keyword, "Bearer"):
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Authorization header must be 'Token <key>'.")
        if not TOKEN_TEXT.fullmatch(header[1]):
            raise exceptions.AuthenticationFailed("Unknown or revoked token.")
        system = partner_for_token(key=header[1])
        if system is None:
            raise exceptions.AuthenticationFailed("Unknown or revoked token.")
        return PartnerPrincipal(system), header[1]

    def authenticate_header(self, request):
        return self.keyword
