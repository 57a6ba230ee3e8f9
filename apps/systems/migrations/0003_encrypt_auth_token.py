"""System.auth_token encrypted at rest, and kept out of the history table.

Existing plain tokens are encrypted in place with the current key. Reversing decrypts them
back to plain text. The plain copies in the history table are dropped with its column and do
not come back on reverse: restoring credentials to history is the leak this closes.
"""

from django.db import migrations

import apps.core.fields
from apps.core.crypto import is_encrypted, secret_decrypt, secret_encrypt


def _rewrite_tokens(apps, schema_editor, change) -> None:
    # Raw SQL: the field would try to decrypt the plain values it is about to encrypt.
    table = schema_editor.quote_name(apps.get_model("systems", "System")._meta.db_table)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT id, auth_token FROM {table} WHERE auth_token <> ''")
        for pk, stored in cursor.fetchall():
            new = change(stored)
            if new != stored:
                cursor.execute(f"UPDATE {table} SET auth_token = %s WHERE id = %s", [new, pk])


def encrypt_tokens(apps, schema_editor) -> None:
    _rewrite_tokens(apps, schema_editor, lambda v: v if is_encrypted(v) else secret_encrypt(v))


def decrypt_tokens(apps, schema_editor) -> None:
    _rewrite_tokens(apps, schema_editor, lambda v: secret_decrypt(v) if is_encrypted(v) else v)


class Migration(migrations.Migration):
    dependencies = [
        ("systems", "0002_historicalexternalreference_externalreference"),
    ]

    operations = [
        migrations.AlterField(
            model_name="system",
            name="auth_token",
            field=apps.core.fields.EncryptedTextField(
                blank=True,
                help_text="Bearer token the hub presents to this system; stored encrypted.",
            ),
        ),
        migrations.RunPython(encrypt_tokens, decrypt_tokens),
        migrations.RemoveField(
            model_name="historicalsystem",
            name="auth_token",
        ),
    ]
