"""Setting, removing and rotating the credentials the hub presents to outside systems."""

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.management import CommandError, call_command

from apps.core.errors import ValidationFailed
from apps.core.fields import EncryptedTextField
from apps.systems.models import System
from apps.systems.services import system_credentials_clear, system_credentials_set
from tests.systems.test_models import raw_token

pytestmark = pytest.mark.django_db

TOKEN = "erp-live-token-7Hq2Zr9wXk"
OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def test_setting_a_token_leaves_a_history_note_without_the_value(cast):
    admin = cast.user("admin")
    erp = system_credentials_set(system=System.objects.get(code="erp"), token=TOKEN, actor=admin)
    assert System.objects.get(code="erp").auth_token == TOKEN
    latest = erp.history.latest()
    assert (latest.history_change_reason, latest.history_user) == ("credential changed", admin)


def test_removing_a_token_empties_it_and_says_so_in_history(cast):
    erp = System.objects.get(code="erp")
    system_credentials_clear(system=erp, actor=cast.user("admin"))
    assert System.objects.get(code="erp").auth_token == ""
    assert erp.history.latest().history_change_reason == "credential removed"


def test_blank_token_is_refused_rather_than_silently_removing_it(cast):
    with pytest.raises(ValidationFailed):
        system_credentials_set(system=System.objects.get(code="erp"), token="  ", actor=None)
    assert System.objects.get(code="erp").auth_token == "sandbox-erp-token"


def test_rotation_moves_every_token_to_the_new_key(cast, settings):
    seeded_with = settings.HUB_FIELD_ENCRYPTION_KEYS
    settings.HUB_FIELD_ENCRYPTION_KEYS = [OLD, *seeded_with]
    system_credentials_set(system=System.objects.get(code="erp"), token=TOKEN, actor=None)
    before = raw_token("erp")
    settings.HUB_FIELD_ENCRYPTION_KEYS = [NEW, OLD, *seeded_with]
    with_token = System.objects.exclude(auth_token="").count()
    history_rows = System.history.count()

    call_command("secrets_rotate", stdout=(out := _Buffer()))

    assert out.text == f"re-encrypted {with_token} credentials with the current key\n"
    assert raw_token("erp") != before
    settings.HUB_FIELD_ENCRYPTION_KEYS = [NEW]
    # Every system reads with the new key alone, not only the one set above.
    assert {s.code: s.auth_token for s in System.objects.all()}["erp"] == TOKEN
    assert System.history.count() == history_rows


def test_rotation_without_the_old_key_fails_and_changes_nothing(cast, settings):
    seeded_with = settings.HUB_FIELD_ENCRYPTION_KEYS
    settings.HUB_FIELD_ENCRYPTION_KEYS = [OLD, *seeded_with]
    system_credentials_set(system=System.objects.get(code="erp"), token=TOKEN, actor=None)
    before = raw_token("erp")
    settings.HUB_FIELD_ENCRYPTION_KEYS = [NEW, *seeded_with]
    with pytest.raises(CommandError, match="cannot be decrypted"):
        call_command("secrets_rotate")
    assert raw_token("erp") == before


def test_rotation_covers_every_encrypted_field_in_the_project():
    encrypted = {
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.fields
        if isinstance(field, EncryptedTextField)
    }
    # A new encrypted field must be added to system_credentials_rotate (or a sibling) too.
    assert encrypted - {"api.WebhookSecret.secret"} == {
        "systems.System.auth_token",
        "systems.PartnerWebhook.secret",
        "systems.PartnerWebhook.previous_secret",
    }


class _Buffer:
    def __init__(self):
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass
