"""The data migration encrypts tokens stored before encryption, and can undo it."""

import importlib

import pytest
from django.apps import apps
from django.db import connection

from apps.core.crypto import PREFIX
from apps.systems.models import System
from tests.systems.test_models import raw_token

migration = importlib.import_module("apps.systems.migrations.0003_encrypt_auth_token")


def store_raw(code: str, value: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("update systems_system set auth_token = %s where code = %s", [value, code])


@pytest.mark.django_db(transaction=True)
def test_plain_tokens_are_encrypted_once_and_decrypted_on_reverse(cast):
    store_raw("erp", "plain-erp-token-from-before")
    with connection.schema_editor() as editor:
        migration.encrypt_tokens(apps, editor)
        encrypted = raw_token("erp")
        # Running it again finds nothing left to encrypt: a value is never encrypted twice.
        migration.encrypt_tokens(apps, editor)
    assert encrypted.startswith(PREFIX) and raw_token("erp") == encrypted
    assert System.objects.get(code="erp").auth_token == "plain-erp-token-from-before"

    with connection.schema_editor() as editor:
        migration.decrypt_tokens(apps, editor)
    assert raw_token("erp") == "plain-erp-token-from-before"
