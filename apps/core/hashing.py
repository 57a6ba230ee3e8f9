import hashlib
import json


def content_hash(raw: bytes) -> str:
    """SHA-256 of the bytes as received; dedups payloads whatever their format."""
    return hashlib.sha256(raw).hexdigest()


def canonical_json_hash(data) -> str:
    """Hash of JSON with sorted keys, so key order does not make two bodies differ."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()
