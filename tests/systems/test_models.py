"""System.auth_token at rest: ciphertext in the column, nothing in history, plain on the model."""

import pytest
from django.core.exceptions import FieldError
from django.db import connection

from apps.core.crypto import PREFIX, SecretUndecryptable
from apps.systems.models import System

pytestmark = pytest.mark.django_db

TOKEN = "erp-live-token-7Hq2Zr9wXk"


def raw_token(code: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("select auth_token from systems_system where code = %s", [code])
        return cursor.fetchone()[0]


def erp_with_token(token: str = TOKEN) -> System:
    erp = System.objects.get(code="erp")
    erp.auth_token = token
    erp.save()
    return erp


def test_database_column_holds_ciphertext_never_the_token(cast):
    erp_with_token()
    stored = raw_token("erp")
    assert stored.startswith(PREFIX) and TOKEN not in stored
    assert System.objects.get(code="erp").auth_token == TOKEN


def test_seeded_demo_token_is_encrypted_too(cast):
    assert raw_token("erp").startswith(PREFIX)
    assert "sandbox-erp-token" not in raw_token("erp")


def test_history_table_keeps_no_copy_of_the_token(cast):
    erp_with_token()
    erp_with_token(TOKEN + "-next")
    columns = [
        c.name
        for c in connection.introspection.get_table_description(
            connection.cursor(), "systems_historicalsystem"
        )
    ]
    assert "auth_token" not in columns
    with connection.cursor() as cursor:
        cursor.execute("select * from systems_historicalsystem")
        rows = cursor.fetchall()
    assert len(rows) >= 3 and TOKEN not in repr(rows)


def test_empty_token_stays_empty_and_answers_not_set(cast):
    erp = erp_with_token("")
    assert raw_token("erp") == ""
    assert erp.credential_hint() == "not set"
    assert not System.objects.filter(code="erp").exclude(auth_token="").exists()


def test_hint_shows_last_four_only_of_a_long_token():
    assert System(auth_token=TOKEN).credential_hint() == "set (…9wXk)"
    assert System(auth_token="short-token").credential_hint() == "set"


def test_lookup_by_value_is_refused_rather_than_quietly_matching_nothing(cast):
    erp_with_token()
    with pytest.raises(FieldError, match="cannot be looked up by value"):
        System.objects.filter(auth_token=TOKEN).exists()
    with pytest.raises(FieldError):
        System.objects.filter(auth_token__startswith="erp").exists()


def test_value_written_around_the_model_is_refused_on_read(cast):
    with connection.cursor() as cursor:
        cursor.execute("update systems_system set auth_token = %s where code = 'erp'", [TOKEN])
    with pytest.raises(SecretUndecryptable, match="not encrypted"):
        System.objects.get(code="erp")
