"""Encryption at rest for the credentials the hub keeps: Fernet, keys from settings.

`HUB_FIELD_ENCRYPTION_KEYS` lists Fernet keys, newest first: the first encrypts, every one
decrypts. Rotating a key is therefore: put the new key first, keep the old one after it, run
`manage.py secrets_rotate`, then drop the old key.
"""

from __future__ import annotations

import base64
import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from apps.core.errors import HubError

# Marks a stored value as ours and says which scheme wrote it, so a later scheme can coexist.
PREFIX = "enc:v1:"
GENERATE_HINT = (
    'generate one with: python -c "from cryptography.fernet import Fernet; '
    'print(Fernet.generate_key().decode())"'
)


class SecretUndecryptable(HubError):
    """A stored secret cannot be read with the configured keys (wrong or missing key)."""

    code = "secret_undecryptable"
    status = 500


def fernet_key_derive(secret_key: str) -> str:
    """A Fernet key derived from SECRET_KEY: for the demo and tests only, never production."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"hub-field-encryption")
    return base64.urlsafe_b64encode(hkdf.derive(secret_key.encode())).decode()


def fernet_keys_check(keys: list[str]) -> None:
    """Refuse anything that is not a Fernet key; the message names the position, not the key."""
    if not keys:
        raise ImproperlyConfigured(f"HUB_FIELD_ENCRYPTION_KEYS is empty; {GENERATE_HINT}")
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key.encode())
        except (ValueError, TypeError) as exc:
            raise ImproperlyConfigured(
                f"HUB_FIELD_ENCRYPTION_KEYS: key {position} of {len(keys)} is not a Fernet key "
                f"(32 url-safe base64-encoded bytes); {GENERATE_HINT}"
            ) from exc


@functools.lru_cache(maxsize=4)
def _multi_fernet(keys: tuple[str, ...]) -> MultiFernet:
    fernet_keys_check(list(keys))
    return MultiFernet([Fernet(key.encode()) for key in keys])


def _current() -> MultiFernet:
    # Read on every call (cached per key list) so a settings change takes effect at once.
    return _multi_fernet(tuple(settings.HUB_FIELD_ENCRYPTION_KEYS))


def is_encrypted(stored: str) -> bool:
    """Whether a stored value was written by this module (carries the prefix)."""
    return stored.startswith(PREFIX)


def secret_encrypt(plain: str) -> str:
    """Ciphertext for storage, with the current (first) key."""
    return PREFIX + _current().encrypt(plain.encode()).decode()


def secret_decrypt(stored: str) -> str:
    """The plain secret; raises SecretUndecryptable rather than ever returning ciphertext."""
    if not is_encrypted(stored):
        raise SecretUndecryptable(
            f"A stored secret is not encrypted (no {PREFIX} prefix); "
            "it was written around the hub's models, apply the migrations or set it again."
        )
    try:
        return _current().decrypt(stored.removeprefix(PREFIX).encode()).decode()
    except InvalidToken as exc:
        raise _wrong_key() from exc


def _wrong_key() -> SecretUndecryptable:
    return SecretUndecryptable(
        "A stored secret cannot be decrypted with any key in HUB_FIELD_ENCRYPTION_KEYS: "
        "the key that encrypted it is missing (removed too early, or the wrong key is set)."
    )
