"""Writes to the integration catalog: flows are paused, drained, resumed and deactivated.

Flows are never deleted. Every change here takes a reason, kept in the flow's history with
the person who made it.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from apps.core.activation import active_flag_set, reason_checked
from apps.core.errors import InvalidTransition
from apps.flows.models import Flow


@transaction.atomic
def flow_deactivate(*, flow: Flow, actor: AbstractBaseUser | None, reason: str) -> Flow:
    """Retire a flow: it takes no new payloads; its envelopes, deliveries and history stay."""
    return active_flag_set(instance=flow, active=False, actor=actor, reason=reason)


@transaction.atomic
def flow_reactivate(*, flow: Flow, actor: AbstractBaseUser | None, reason: str) -> Flow:
    """Let a deactivated flow take payloads again."""
    return active_flag_set(instance=flow, active=True, actor=actor, reason=reason)


@transaction.atomic
def flow_pause(*, flow: Flow, actor: AbstractBaseUser | None, reason: str) -> Flow:
    """Hold the flow's deliveries; intake still accepts, so nothing a sender sends is lost."""
    return _controls_set(flow=flow, actor=actor, reason=reason, is_paused=True)


@transaction.atomic
def flow_drain(*, flow: Flow, actor: AbstractBaseUser | None, reason: str) -> Flow:
    """Refuse new payloads and finish what is queued; a pause is lifted so the queue empties."""
    return _controls_set(flow=flow, actor=actor, reason=reason, is_draining=True, is_paused=False)


@transaction.atomic
def flow_resume(*, flow: Flow, actor: AbstractBaseUser | None, reason: str) -> Flow:
    """End a pause or a drain: deliveries go out and new payloads are accepted again."""
    return _controls_set(flow=flow, actor=actor, reason=reason, is_paused=False, is_draining=False)


def _controls_set(
    *, flow: Flow, actor: AbstractBaseUser | None, reason: str, **flags: bool
) -> Flow:
    reason = reason_checked(reason)
    # Locked, so two operators acting on the same flow cannot both believe they changed it.
    row = Flow.objects.select_for_update().get(pk=flow.pk)
    if all(getattr(row, name) == value for name, value in flags.items()):
        raise InvalidTransition(f"{row} is already {row.operating_state()}; nothing was changed.")
    for name, value in flags.items():
        setattr(row, name, value)
    row._change_reason, row._history_user = reason, actor
    row.save(update_fields=[*flags, "updated_at"])
    return row
