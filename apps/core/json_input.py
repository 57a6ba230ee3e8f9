"""Partner JSON parsed under limits, so hostile input is a clear 400 and never a crash.

Python's own parser accepts what our databases cannot store (NUL characters refused by
PostgreSQL, lone surrogates no encoder takes, numbers larger than any column) and recurses
on nesting until it overflows. Every limit here holds the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import math
import re
from itertools import accumulate

from apps.core.errors import ValidationFailed

MAX_DEPTH = 20
MAX_NUMBER_CHARACTERS = 40
MAX_KEY_CHARACTERS = 200

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(c for c in range(256) if c not in b"[]{}")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_DEPTH_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def json_parse(raw: bytes):
    """UTF-8 JSON bytes to Python values, or ValidationFailed naming the limit it broke."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(
            f"The body is not valid UTF-8 (byte {exc.start}).", code="malformed_json"
        ) from exc
    _check_depth(raw)
    try:
        document = json.loads(
            text,
            parse_int=_integer,
            parse_float=_real,
            parse_constant=_constant,
        )
    except json.JSONDecodeError as exc:
        raise ValidationFailed(f"The body is not valid JSON: {exc}", code="malformed_json") from exc
    text_problems = list(_text_problems(document, "body"))
    if text_problems:
        where, problem = text_problems[0]
        raise ValidationFailed(
            f"{where}: {problem}",
            code="invalid_text",
            fields={where: [problem] for where, problem in text_problems[:20]},
        )
    return document


def _check_depth(raw: bytes) -> None:
    # Counted on the bytes, before the recursive parser runs: brackets inside strings don't count.
    brackets = _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    deepest = max(accumulate(_DEPTH_STEP[b] for b in brackets), default=0)
    if deepest > MAX_DEPTH:
        raise ValidationFailed(
            f"The body is nested {deepest} levels deep; at most {MAX_DEPTH} are accepted.",
            code="too_deeply_nested",
        )


def _number_limit(text: str) -> None:
    if len(text) > MAX_NUMBER_CHARACTERS:
        raise ValidationFailed(
            f"A number of {len(text)} characters is longer than the {MAX_NUMBER_CHARACTERS} "
            "accepted; send amounts as decimal strings.",
            code="number_too_large",
        )


def _integer(text: str) -> int:
    _number_limit(text)
    return int(text)


def _real(text: str) -> float:
    _number_limit(text)
    value = float(text)
    if not math.isfinite(value):
        raise ValidationFailed(f"The number {text} is out of range.", code="number_too_large")
    return value


def _constant(name: str):
    raise ValidationFailed(f"{name} is not a number JSON allows.", code="malformed_json")


def _text_problems(value, where: str):
    """(path, problem) for every string or key no database column can store."""
    stack = [(value, where)]
    while stack:
        node, path = stack.pop()
        if isinstance(node, str):
            problem = _string_problem(node)
            if problem:
                yield path, problem
        elif isinstance(node, dict):
            for key, child in node.items():
                problem = _string_problem(key) or _key_length(key)
                if problem:
                    yield path, f"key {key[:40]!r}…: {problem}"
                stack.append((child, f"{path}.{key[:40]}"))
        elif isinstance(node, list):
            stack.extend((child, f"{path}.{index}") for index, child in enumerate(node))


def text_storable(value):
    """The value with NUL and unpaired surrogates replaced, in keys too: safe to store and echo.

    Errors quote what a partner sent; a quote must never be the next thing that fails.
    """
    if isinstance(value, str):
        return _clean(value)
    if isinstance(value, dict):
        return {text_storable(key): text_storable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [text_storable(item) for item in value]
    return value


def _clean(text: str) -> str:
    return _UNSTORABLE.sub("\ufffd", text)


def _string_problem(text: str) -> str:
    if "\x00" in text:
        return "text must not contain NUL characters."
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "text contains an unpaired surrogate, which is not a character."
    return ""


def _key_length(key: str) -> str:
    if len(key) > MAX_KEY_CHARACTERS:
        return f"keys are limited to {MAX_KEY_CHARACTERS} characters."
    return ""
