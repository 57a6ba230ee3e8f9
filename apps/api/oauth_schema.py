"""The OAuth2 token endpoint in the OpenAPI document.

django-oauth-toolkit's token view is a plain Django view, so drf-spectacular does not see it;
this describes what it answers, in RFC 6749's terms (its own error body, not the API's).
"""

from apps.api.scopes import SCOPES

TOKEN_PATH = "/api/v1/oauth/token/"

OAUTH_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {"type": "string", "example": "invalid_client"},
        "error_description": {"type": "string"},
    },
}


def _answer(description: str, schema: dict, example: dict) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": schema, "example": example}},
    }


def token_operation() -> dict:
    return {
        "operationId": "oauth_token_create",
        "summary": "Get an access token (OAuth2 client credentials)",
        "description": "Send your client id and secret (HTTP Basic, or in the form) and the "
        "scopes you need, space-separated; none asks for every scope your client holds. Send "
        "the token as `Authorization: Bearer <access_token>` until it expires.",
        "tags": ["oauth"],
        "security": [],
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "required": ["grant_type"],
                        "properties": {
                            "grant_type": {"type": "string", "enum": ["client_credentials"]},
                            "client_id": {"type": "string"},
                            "client_secret": {"type": "string"},
                            "scope": {"type": "string", "example": "orders:write prices:read"},
                        },
                    },
                    "example": {
                        "grant_type": "client_credentials",
                        "client_id": "9Zb2…",
                        "client_secret": "…",
                        "scope": "orders:write prices:read",
                    },
                }
            },
        },
        "responses": {
            "200": _answer(
                "A bearer token with the scopes granted.",
                {
                    "type": "object",
                    "properties": {
                        "access_token": {"type": "string"},
                        "token_type": {"type": "string", "enum": ["Bearer"]},
                        "expires_in": {"type": "integer"},
                        "scope": {"type": "string", "description": " ".join(SCOPES)},
                    },
                },
                {
                    "access_token": "hP1e…",
                    "token_type": "Bearer",
                    "expires_in": 3600,
                    "scope": "orders:write prices:read",
                },
            ),
            "400": _answer(
                "Malformed request, unsupported grant type, or a scope your client does not "
                "hold (`invalid_scope`).",
                OAUTH_ERROR,
                {"error": "invalid_scope"},
            ),
            "401": _answer(
                "Unknown client, wrong secret, or a revoked client (`invalid_client`).",
                OAUTH_ERROR,
                {"error": "invalid_client"},
            ),
        },
    }
