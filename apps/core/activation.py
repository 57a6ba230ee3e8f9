"""Deactivating instead of deleting: one flag, flipped under a row lock, with the reason kept."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import models

from apps.core.errors import InvalidTransition, ValidationFailed

# simple-history keeps the change reason in a 100-character column.
REASON_MAX_LENGTH = 100


def active_flag_set(
    *, instance: models.Model, active: bool, actor: AbstractBaseUser | None, reason: str
) -> models.Model:
    """Set `is_active`; history records who and why. Call inside the service's transaction."""
    reason = reason_checked(reason)
    # Locked, so two admins flipping the same row cannot both believe they changed it.
    row = type(instance).objects.select_for_update().get(pk=instance.pk)
    if row.is_active == active:
        state = "active" if active else "inactive"
        raise InvalidTransition(f"{row} is already {state}; nothing was changed.")
    row.is_active = active
    row._change_reason, row._history_user = reason, actor
    row.save(update_fields=["is_active", "updated_at"])
    return row


def reason_checked(reason: str) -> str:
    """A history reason, trimmed; refused when blank or longer than its column."""
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(
            "Give a reason; it is kept in the history.",
            code="reason_required",
            fields={"reason": ["This field is required."]},
        )
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationFailed(
            f"Keep the reason under {REASON_MAX_LENGTH} characters.",
            code="reason_too_long",
            fields={"reason": [f"At most {REASON_MAX_LENGTH} characters."]},
        )
    return reason
