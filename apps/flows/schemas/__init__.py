"""Payload schemas, one JSON Schema file per flow and schema version."""

import json
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator

from apps.core.errors import ValidationFailed


@cache
def _validator(flow_code: str, version: str) -> Draft202012Validator:
    path = Path(__file__).parent / f"{flow_code}-v{version}.json"
    return Draft202012Validator(json.loads(path.read_text()))


def schema_check(*, flow_code: str, version: str, document) -> None:
    """Raise ValidationFailed naming every field that breaks the flow's payload schema."""
    errors = sorted(_validator(flow_code, version).iter_errors(document), key=str)
    if not errors:
        return
    fields = {}
    for error in errors:
        where = ".".join(str(part) for part in error.absolute_path) or "body"
        fields.setdefault(where, []).append(error.message)
    raise ValidationFailed(
        f"The document does not match the {flow_code} schema v{version}.", fields=fields
    )
