"""Payload schemas, one JSON Schema file per flow and schema version.

A document is checked first by jsonschema-rs (compiled: over 100 times cheaper than the
jsonschema package on a valid order); only a document it finds invalid goes through jsonschema,
whose report (every error, its path and message) is what the partner gets, and whose verdict
is final: where the two differ (jsonschema's patterns are Python's, where `$` also matches
before a trailing newline) the document is judged as jsonschema judges it.
tests/flows/test_schema_check.py holds the two to that on every schema here.
"""

import json
from functools import cache
from pathlib import Path

import jsonschema_rs
from jsonschema import Draft202012Validator

from apps.core.errors import ValidationFailed

FOLDER = Path(__file__).parent


@cache
def _schema(flow_code: str, version: str) -> dict:
    return json.loads((FOLDER / f"{flow_code}-v{version}.json").read_text())


@cache
def _validator(flow_code: str, version: str) -> Draft202012Validator:
    return Draft202012Validator(_schema(flow_code, version))


@cache
def _compiled(flow_code: str, version: str) -> jsonschema_rs.Draft202012Validator:
    # As jsonschema is used above: formats are annotations, and no schema is fetched.
    return jsonschema_rs.Draft202012Validator(
        _schema(flow_code, version), validate_formats=False, offline=True
    )


def schema_valid_fast(*, flow_code: str, version: str, document) -> bool:
    """True only for a document jsonschema also finds valid; False may be either (the full
    check decides)."""
    try:
        return _compiled(flow_code, version).is_valid(document)
    except ValueError:  # a value JSON has no type for; jsonschema says what it makes of it
        return False


def schema_check(*, flow_code: str, version: str, document) -> None:
    """Raise ValidationFailed naming every field that breaks the flow's payload schema."""
    if schema_valid_fast(flow_code=flow_code, version=version, document=document):
        return
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
