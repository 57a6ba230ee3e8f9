"""OpenAPI pieces: the token scheme, and request bodies taken from the flows' JSON Schemas."""

import json
from pathlib import Path

from drf_spectacular.extensions import OpenApiAuthenticationExtension

SCHEMAS = Path(__file__).resolve().parent.parent / "flows" / "schemas"


class PartnerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "apps.api.authentication.PartnerTokenAuthentication"
    name = "partnerToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>`; `python manage.py partner_token <code>` issues one.",
        }


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
        return {key: _inline(value, definitions) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline(value, definitions) for value in node]
    return node


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
    401: "No token, or an unknown or revoked one.",
    404: "No such resource that you may see. A record outside your scope answers the same.",
    409: "The Idempotency-Key was already used with another body, or the first request with "
    "it is still being processed (retry after `Retry-After` seconds).",
    413: "The body is larger than the hub accepts.",
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
    if has_path_key:
        wanted.add(404)
    if idempotent:
        wanted |= {409, 413}
    responses = operation.setdefault("responses", {})
    for status in sorted(wanted):
        answer = {
            "description": ERROR_ANSWERS[status],
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        if status in (409, 429):
            answer["headers"] = RETRY_AFTER
        responses.setdefault(str(status), answer)
