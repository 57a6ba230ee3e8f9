"""The open-alert badge in the admin header: the signed-in person's alerts, counted lazily."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from apps.operations.models import Alert, AlertStatus


def open_alerts_for(user) -> int:
    """Open, unsnoozed alerts the user owns; an integration admin sees every one."""
    alerts = Alert.objects.filter(status=AlertStatus.OPEN).exclude(snoozed_until__gt=timezone.now())
    if not user.is_superuser:
        alerts = alerts.filter(Q(owner__user=user) | Q(rule__escalate_to__user=user))
    return alerts.count()


def open_alerts(request) -> dict:
    """Only pages that show the badge pay its one query."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_staff:
        return {}
    return {"open_alert_count": SimpleLazyObject(lambda: open_alerts_for(user))}
