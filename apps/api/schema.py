"""OpenAPI pieces: the token scheme, and request bodies taken from the flows' JSON Schemas."""

import json
from pathlib import Path

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from apps.api.oauth_schema import TOKEN_PATH, token_operation
from apps.api.permissions import scope_needed
from apps.api.scopes import SCOPES

SCHEMAS = Path(__file__).resolve().parent.parent / "flows" / "schemas"


class PartnerTokenScheme(OpenApiAuthenticationExtension):
    """Two ways in: a per-partner token (every scope) or an OAuth2 client-credentials token."""

    target_class = "apps.api.authentication.PartnerTokenAuthentication"
    name = ["partnerToken", "oauth2"]

    def get_security_definition(self, auto_schema):
        return [
            {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": "`Token <key>`; `python manage.py partner_token <code>` issues "
                "one. A per-partner token holds every scope.",
            },
            {
                "type": "oauth2",
                "description": "Client credentials: POST client_id, client_secret and the "
                "scopes you need to /api/v1/oauth/token/, then send `Bearer <access_token>`. "
                '`python manage.py partner_client <code> --scopes "..."` issues a client.',
                "flows": {"clientCredentials": {"tokenUrl": TOKEN_PATH, "scopes": dict(SCOPES)}},
            },
        ]

    def get_security_requirement(self, auto_schema):
        scope = scope_needed(auto_schema.view, auto_schema.method)
        return [{"partnerToken": []}, {"oauth2": [scope] if scope else []}]


def flow_request_schema(flow_code: str, version: str) -> dict:
    """The flow's payload JSON Schema with local $refs inlined, as OpenAPI wants it."""
    document = json.loads((SCHEMAS / f"{flow_code}-v{version}.json").read_text())
    definitions = document.pop("$defs", {})
    document.pop("$schema", None)
    return _inline(document, definitions)


def _inline(node, definitions):
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        if ref.startswith("#/$defs/"):
            return _inline(definitions[ref.removeprefix("#/$defs/")], definitions)
        return _openapi_types({key: _inline(value, definitions) for key, value in node.items()})
    if isinstance(node, list):
        return [_inline(value, definitions) for value in node]
    return node


def _openapi_types(node: dict) -> dict:
    # JSON Schema allows a list of types; OpenAPI 3.0 wants one type, with `nullable` for null.
    types = node.get("type")
    if not isinstance(types, list):
        return node
    rest = {key: value for key, value in node.items() if key != "type"}
    named = [kind for kind in types if kind != "null"]
    nullable = {"nullable": True} if "null" in types else {}
    if len(named) == 1:
        return {**rest, "type": named[0], **nullable}
    return {"anyOf": [{**rest, "type": kind} for kind in named], **nullable}


ERROR_BODY = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string", "example": "validation_failed"},
                "message": {"type": "string", "example": "The request is not valid."},
                "fields": {
                    "type": "object",
                    "description": "Per field or header, what is wrong with it.",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
        }
    },
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before the same request may succeed.",
        "schema": {"type": "integer", "minimum": 1},
    }
}
# Every answer the API can give besides success, and when; added to each operation it fits.
ERROR_ANSWERS = {
    400: "Not valid: malformed JSON, a schema rule or input limit broken (nesting, number "
    "size, NUL or unpaired surrogate characters, lengths), or a missing or invalid "
    "Idempotency-Key. `fields` says what to change.",
    401: "No token, or an unknown, expired or revoked one.",
    403: "Your credential lacks the scope this operation needs (`insufficient_scope`).",
    404: "No such resource that you may see. A record outside your scope answers the same, "
    "as does an `account` that is not yours or a page past the last.",
    409: "The Idempotency-Key was already used with another body, or the first request with "
    "it is still being processed (retry after `Retry-After` seconds).",
    413: "The body is larger than the hub accepts (`HUB_MAX_REQUEST_BYTES`).",
    429: "Too many requests from your partner system; retry after `Retry-After` seconds.",
    500: "The hub failed. The payload is kept and the error logged; retrying with the same "
    "Idempotency-Key is safe.",
}
IDEMPOTENCY_KEY_SCHEMA = {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[ -~]+$"}


def error_answers_hook(result, generator, request, public):
    """drf-spectacular post-processing: document the error answers on every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_BODY
    for path, operations in result.get("paths", {}).items():
        for operation in operations.values():
            _document_errors(operation, has_path_key="{" in path)
    result["paths"][TOKEN_PATH] = {"post": token_operation()}
    return result


def _document_errors(operation: dict, *, has_path_key: bool) -> None:
    idempotent = False
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "header" and parameter.get("name") == "Idempotency-Key":
            parameter["schema"] = IDEMPOTENCY_KEY_SCHEMA
            parameter["description"] = (
                "Your unique key for this request (1 to 200 printable ASCII characters). "
                "The same key and body answer the same; another body answers 409."
            )
            idempotent = True
    wanted = {400, 401, 429, 500}
    if operation.get("security"):
        wanted.add(403)
    names = {parameter.get("name") for parameter in operation.get("parameters", [])}
    if has_path_key or names & {"page", "account"}:
        wanted.add(404)
    if idempotent:
        wanted.add(409)
    if "requestBody" in operation:
        wanted.add(413)
    # An operation's own error answers: {status: when}, e.g. the replay's 409.
    own = {int(status): when for status, when in operation.pop("x-hub-errors", {}).items()}
    wanted |= set(own)
    # A page for people answers its errors as HTML too.
    media = "text/html" if operation.pop("x-hub-html", False) else "application/json"
    responses = operation.setdefault("responses", {})
    for status in sorted(wanted):
        answer = {
            "description": own.get(status) or ERROR_ANSWERS[status],
            "content": {media: _error_content(media, status)},
        }
        if status in (409, 429):
            answer["headers"] = RETRY_AFTER
        responses.setdefault(str(status), answer)


ERROR_EXAMPLES = {
    400: ("validation_failed", "The request is not valid.", {"since": ["Must be before until."]}),
    401: ("not_authenticated", "Authentication credentials were not provided.", {}),
    403: ("insufficient_scope", "Your credential lacks the 'prices:read' scope.", {}),
    404: ("not_found", "No such account that you may see.", {"account": ["Unknown."]}),
    409: ("idempotency_key_reused", "This Idempotency-Key was used with another body.", {}),
    413: ("payload_too_large", "Bodies are limited to 2097152 bytes.", {}),
    429: ("throttled", "Request was throttled. Expected available in 42 seconds.", {}),
    500: ("internal_error", "The hub failed on this request; the error is logged.", {}),
}


def _error_content(media: str, status: int) -> dict:
    if media == "text/html":
        return {"schema": {"type": "string"}, "example": "<h1>The request is not valid.</h1>"}
    code, message, fields = ERROR_EXAMPLES.get(status, ERROR_EXAMPLES[400])
    example = {"error": {"code": code, "message": message, "fields": fields}}
    return {"schema": {"$ref": "#/components/schemas/Error"}, "example": example}
