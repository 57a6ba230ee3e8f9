"""Model fields shared by the apps."""

from __future__ import annotations

from django.core.exceptions import FieldError
from django.db import models
from django.db.models.lookups import Exact, IsNull

from apps.core.crypto import secret_decrypt, secret_encrypt


class _EmptyOnlyExact(Exact):
    # Each encryption of the same text differs (Fernet uses a random IV), so `field=value`
    # could never match and would quietly find nothing. Only "is it empty" can be asked.
    def get_prep_lookup(self):
        if self.rhs != "":
            raise FieldError(
                "An encrypted field cannot be looked up by value; only `=''` and `__isnull`."
            )
        return super().get_prep_lookup()


class EncryptedTextField(models.TextField):
    """Text stored encrypted (`enc:v1:` + Fernet token); the model attribute holds plain text.

    Not searchable: lookups by value are refused with a FieldError; `=""` and `__isnull` work.
    An empty string is stored as an empty string, so "not set" needs no key to answer.
    """

    description = "Text encrypted at rest"

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return secret_encrypt(value)

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return secret_decrypt(value)

    def get_lookup(self, lookup_name):
        if lookup_name == "exact":
            return _EmptyOnlyExact
        if lookup_name == "isnull":
            return IsNull
        return None
