"""Writes to outside systems' records: the credentials the hub presents, and activation."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from apps.core.activation import active_flag_set
from apps.core.errors import ValidationFailed
from apps.systems.models import System

# History keeps no copy of the token (it is excluded there); these reasons record the change.
REASON_SET = "credential changed"
REASON_CLEARED = "credential removed"


@transaction.atomic
def system_credentials_set(*, system: System, token: str, actor: AbstractBaseUser | None) -> System:
    """Replace the token the hub presents to `system`; history notes the change, not the value."""
    token = token.strip()
    if not token:
        raise ValidationFailed("A token cannot be blank; remove the credential instead.")
    return _credential_save(system, token, actor, REASON_SET)


@transaction.atomic
def system_credentials_clear(*, system: System, actor: AbstractBaseUser | None) -> System:
    """Remove the token: the hub then calls `system` without credentials."""
    return _credential_save(system, "", actor, REASON_CLEARED)


def _credential_save(system: System, token: str, actor, reason: str) -> System:
    system.auth_token = token
    system._change_reason = reason
    if actor is not None:
        system._history_user = actor
    system.save(update_fields=["auth_token", "updated_at"])
    return system


@transaction.atomic
def system_credentials_rotate() -> int:
    """Re-encrypt every stored credential with the current (first) key; returns how many."""
    # Reading decrypts with any configured key; writing encrypts with the first. All rows are
    # read before any is written, so one undecryptable value stops the run with nothing changed.
    systems = list(System.objects.select_for_update().exclude(auth_token="").only("auth_token"))
    for system in systems:
        # A re-encryption is not a credential change: update() leaves history alone.
        System.objects.filter(pk=system.pk).update(auth_token=system.auth_token)
    return len(systems)


@transaction.atomic
def system_deactivate(*, system: System, actor: AbstractBaseUser | None, reason: str) -> System:
    """Retire a system: its partner tokens stop authenticating; its records and history stay."""
    return active_flag_set(instance=system, active=False, actor=actor, reason=reason)


@transaction.atomic
def system_reactivate(*, system: System, actor: AbstractBaseUser | None, reason: str) -> System:
    """Let a deactivated system authenticate and be called again."""
    return active_flag_set(instance=system, active=True, actor=actor, reason=reason)
