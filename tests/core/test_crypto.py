"""Encryption at rest: keys from settings, rotation, clear refusals; start-up checks."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from apps.core.crypto import (
    PREFIX,
    SecretUndecryptable,
    fernet_key_derive,
    fernet_keys_check,
    secret_decrypt,
    secret_encrypt,
)

ROOT = Path(__file__).resolve().parents[2]
OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def test_encrypted_value_is_prefixed_and_hides_the_plain_text(settings):
    settings.HUB_FIELD_ENCRYPTION_KEYS = [OLD]
    stored = secret_encrypt("erp-token-1234")
    assert stored.startswith(PREFIX) and "erp-token-1234" not in stored
    assert secret_decrypt(stored) == "erp-token-1234"


def test_old_key_still_decrypts_after_a_new_key_is_put_first(settings):
    settings.HUB_FIELD_ENCRYPTION_KEYS = [OLD]
    stored = secret_encrypt("erp-token-1234")
    settings.HUB_FIELD_ENCRYPTION_KEYS = [NEW, OLD]
    assert secret_decrypt(stored) == "erp-token-1234"
    # New values are written with the first key only.
    fresh = secret_encrypt("erp-token-5678")
    settings.HUB_FIELD_ENCRYPTION_KEYS = [NEW]
    assert secret_decrypt(fresh) == "erp-token-5678"


def test_wrong_key_is_a_clear_error_not_ciphertext(settings):
    settings.HUB_FIELD_ENCRYPTION_KEYS = [OLD]
    stored = secret_encrypt("erp-token-1234")
    settings.HUB_FIELD_ENCRYPTION_KEYS = [NEW]
    with pytest.raises(SecretUndecryptable, match="HUB_FIELD_ENCRYPTION_KEYS") as caught:
        secret_decrypt(stored)
    assert stored not in str(caught.value)


def test_unprefixed_stored_value_is_refused_not_returned():
    with pytest.raises(SecretUndecryptable, match="not encrypted"):
        secret_decrypt("plain-token-written-around-the-model")


def test_bad_key_is_refused_naming_its_position_not_its_value():
    with pytest.raises(ImproperlyConfigured, match="key 2 of 2") as caught:
        fernet_keys_check([OLD, "not-a-fernet-key"])
    assert "not-a-fernet-key" not in str(caught.value)


def test_demo_key_derived_from_secret_key_is_stable_and_valid():
    key = fernet_key_derive("some secret key")
    assert key == fernet_key_derive("some secret key") != fernet_key_derive("another")
    fernet_keys_check([key])


def manage_check(**env) -> subprocess.CompletedProcess:
    environment = {
        k: v for k, v in os.environ.items() if k not in ("HUB_FIELD_ENCRYPTION_KEYS", "DEBUG")
    }
    environment |= {"DJANGO_SETTINGS_MODULE": "integration_hub.settings", **env}
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_without_encryption_keys_refuses_to_start(tmp_path):
    result = manage_check(
        DEBUG="0", SECRET_KEY=secrets.token_urlsafe(48), HUB_STATE_DIR=str(tmp_path)
    )
    assert result.returncode != 0
    assert "HUB_FIELD_ENCRYPTION_KEYS must be set" in result.stderr


def test_bad_encryption_key_refuses_to_start(tmp_path):
    result = manage_check(
        DEBUG="1", HUB_FIELD_ENCRYPTION_KEYS="short-secret-value", HUB_STATE_DIR=str(tmp_path)
    )
    assert result.returncode != 0
    assert "HUB_FIELD_ENCRYPTION_KEYS: key 1 of 1 is not a Fernet key" in result.stderr
    assert "short-secret-value" not in result.stderr


def test_demo_needs_no_encryption_key(tmp_path):
    result = manage_check(DEBUG="1", HUB_STATE_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
