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
