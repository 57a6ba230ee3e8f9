"""Writes to the integration catalog: flows are deactivated and reactivated, never deleted."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from apps.core.activation import active_flag_set
from apps.flows.models import Flow


@transaction.atomic
def flow_deactivate(*, flow: Flow, actor: AbstractBaseUser | None, reason: str) -> Flow:
    """Retire a flow: it takes no new payloads; its envelopes, deliveries and history stay."""
    return active_flag_set(instance=flow, active=False, actor=actor, reason=reason)


@transaction.atomic
def flow_reactivate(*, flow: Flow, actor: AbstractBaseUser | None, reason: str) -> Flow:
    """Let a deactivated flow take payloads again."""
    return active_flag_set(instance=flow, active=True, actor=actor, reason=reason)
