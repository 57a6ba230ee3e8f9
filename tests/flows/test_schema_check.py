"""The compiled schema check (jsonschema-rs) only ever lets through what jsonschema lets
through, and a document it turns away gets exactly jsonschema's report: on valid and broken
documents of every flow schema in apps/flows/schemas/.

Documents are drawn from each schema itself (its required and optional keys, lengths, patterns,
enums and bounds), then some are broken: a value swapped for any JSON value, a key dropped, a
key added, a string given a trailing newline. The run is derandomised so CI is repeatable.
"""

import json
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from apps.core.errors import ValidationFailed
from apps.flows.schemas import FOLDER, schema_check, schema_valid_fast

SCHEMAS = sorted(
    tuple(path.stem.rsplit("-v", 1)) for path in FOLDER.glob("*.json") if "-v" in path.stem
)
PROPERTY = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

text = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "1", "12\n", "1.5", "-1", "US", "USD", "AK", "é" * 61, "\U0001f600"]),
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**39), max_value=10**39)
    | st.sampled_from([0, 1, 2**63 - 1, 2**63, 2**64, 9223372036854775807.0, 1.0, -0.0])
    | st.floats(allow_nan=False, allow_infinity=False)
    | text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=8,
)


@cache
def schema(flow_code: str, version: str) -> dict:
    return json.loads((FOLDER / f"{flow_code}-v{version}.json").read_text())


def report(flow_code: str, version: str, document):
    """What the check said before the compiled one: jsonschema's errors, or None."""
    errors = sorted(Draft202012Validator(schema(flow_code, version)).iter_errors(document), key=str)
    if not errors:
        return None
    fields = {}
    for error in errors:
        fields.setdefault(".".join(map(str, error.absolute_path)) or "body", []).append(
            error.message
        )
    return (f"The document does not match the {flow_code} schema v{version}.", fields)


def outcome(flow_code: str, version: str, document):
    try:
        schema_check(flow_code=flow_code, version=version, document=document)
    except ValidationFailed as exc:
        return (exc.message, exc.fields)
    return None


def drawn(node: dict, root: dict):
    """A strategy for documents valid under `node` (a part of the schema `root`)."""
    if "$ref" in node:
        return drawn(root["$defs"][node["$ref"].rsplit("/", 1)[1]], root)
    if "enum" in node:
        return st.sampled_from(node["enum"])
    kinds = node["type"] if isinstance(node["type"], list) else [node["type"]]
    return st.one_of([_drawn_kind(kind, node, root) for kind in kinds])


def _drawn_kind(kind: str, node: dict, root: dict):
    if kind == "object":
        properties = {key: drawn(part, root) for key, part in node["properties"].items()}
        required = set(node.get("required", ()))
        return st.fixed_dictionaries(
            {key: value for key, value in properties.items() if key in required},
            optional={key: value for key, value in properties.items() if key not in required},
        )
    if kind == "array":
        return st.lists(
            drawn(node["items"], root),
            min_size=node.get("minItems", 0),
            max_size=min(node.get("maxItems", 3), 3),
        )
    if kind == "string":
        low, high = node.get("minLength", 0), node.get("maxLength", 50)
        if "pattern" not in node:
            return st.text(min_size=low, max_size=high)
        return st.from_regex(node["pattern"]).filter(lambda value: low <= len(value) <= high)
    if kind == "integer":
        return st.integers(min_value=node.get("minimum"), max_value=node.get("maximum"))
    if kind == "null":
        return st.none()
    raise AssertionError(f"The test draws no {kind}: teach it, for the new schema.")


def broken(document, data):
    """The document with one change somewhere in it, which may or may not break it."""
    if isinstance(document, dict) and document and data.draw(st.booleans()):
        key = data.draw(st.sampled_from(sorted(document)))
        change = data.draw(st.sampled_from(["inside", "drop", "add", "replace"]))
        if change == "inside":
            return document | {key: broken(document[key], data)}
        if change == "drop":
            return {k: v for k, v in document.items() if k != key}
        if change == "add":
            return document | {data.draw(text): data.draw(json_values)}
    if isinstance(document, list) and document and data.draw(st.booleans()):
        index = data.draw(st.integers(0, len(document) - 1))
        return [*document[:index], broken(document[index], data), *document[index + 1 :]]
    if isinstance(document, str) and data.draw(st.booleans()):
        return document + "\n"
    return data.draw(json_values)


def strings_in(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


def assert_agree(flow_code: str, version: str, document) -> bool:
    expected = report(flow_code, version, document)
    assert outcome(flow_code, version, document) == expected
    fast = schema_valid_fast(flow_code=flow_code, version=version, document=document)
    if fast:
        assert expected is None, "the compiled check let through a document jsonschema refuses"
    elif expected is None:
        # The one known difference: Python's `$` matches before a final newline.
        assert any(value.endswith("\n") for value in strings_in(document))
    return expected is None


def test_every_schema_is_checked():
    assert ("order-capture", "1") in SCHEMAS and len(SCHEMAS) >= 3


@pytest.mark.parametrize("flow_code, version", SCHEMAS)
@PROPERTY
@given(data=st.data())
def test_valid_documents_pass_both_checks(flow_code, version, data):
    document = data.draw(drawn(schema(flow_code, version), schema(flow_code, version)))
    assert assert_agree(flow_code, version, document)


@pytest.mark.parametrize("flow_code, version", SCHEMAS)
@PROPERTY
@given(data=st.data())
def test_changed_documents_get_jsonschemas_verdict_and_report(flow_code, version, data):
    document = data.draw(drawn(schema(flow_code, version), schema(flow_code, version)))
    assert_agree(flow_code, version, broken(document, data))


@pytest.mark.parametrize("flow_code, version", SCHEMAS)
@pytest.mark.parametrize(
    "document", [None, [], {}, "text", 1, {"lines": []}, {"events": [{}]}, {"status": "AK"}]
)
def test_documents_of_the_wrong_shape_get_jsonschemas_report(flow_code, version, document):
    assert not assert_agree(flow_code, version, document)


def test_a_trailing_newline_is_judged_as_jsonschema_judges_it():
    order = {
        "account": "NW-1001",
        "currency": "USD",
        "lines": [{"sku": "ACME-BOLT-M8", "quantity": "12\n", "uom": "EA", "unit_price": "1"}],
    }
    assert not schema_valid_fast(flow_code="order-capture", version="1", document=order)
    assert assert_agree("order-capture", "1", order)
