"""Pages in the admin's chrome: dashboard, alerts, runbooks, trace search, weekly review,
schema changes, evidence packs. Each reads through a selector and writes through a service."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from apps.core.errors import HubError
from apps.flows.models import Flow
from apps.monitoring import alerting, changes, charts, figures
from apps.monitoring import evidence as packs
from apps.monitoring import weekly as review
from apps.monitoring.forms import ResolveForm, ReviewForm, SnoozeForm
from apps.monitoring.models import Runbook, SchemaChange
from apps.monitoring.search import trace_search as search
from apps.operations.models import Alert, AlertStatus
from apps.quarantine.models import team_areas

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _page(request, template: str, context: dict, status: int = 200):
    return render(request, template, {**admin.site.each_context(request), **context}, status=status)


@staff_member_required
def dashboard(request):
    panels = figures.dashboard_panels(user=request.user)
    span = figures.days(timezone.now())
    for panel in panels:
        panel.chart = charts.bars_svg(
            days=span,
            received=panel.received,
            held=panel.held,
            label=f"{panel.flow.name}: last 30 days",
        )
    context = {
        "title": "Operations dashboard",
        "panels": panels,
        "legend": charts.legend(),
        "pending_changes": SchemaChange.objects.filter(status="pending").count(),
    }
    return _page(request, "monitoring/dashboard.html", context)


def may_act(alert: Alert, user) -> bool:
    """The owner (or their team), the escalation contact, or an integration admin."""
    if user.is_superuser or alert.owner.user_id == user.pk:
        return True
    if alert.rule_id and alert.rule.escalate_to and alert.rule.escalate_to.user_id == user.pk:
        return True
    return alert.owner.area in team_areas(user)


@staff_member_required
def alert_list(request):
    alerts = Alert.objects.select_related("owner", "flow", "rule")
    state = request.GET.get("state", "open")
    if state == "open":
        alerts = alerts.filter(status=AlertStatus.OPEN)
    if flow := request.GET.get("flow"):
        alerts = alerts.filter(flow__code=flow)
    if request.GET.get("mine"):
        alerts = alerts.filter(owner__user=request.user)
    context = {"title": "Alerts", "alerts": alerts[:200], "state": state, "flow": flow}
    return _page(request, "monitoring/alerts.html", context)


@staff_member_required
def alert_detail(request, pk: int):
    alert = get_object_or_404(
        Alert.objects.select_related(
            "owner", "flow", "rule__escalate_to", "acknowledged_by", "snoozed_by", "resolved_by"
        ),
        pk=pk,
    )
    context = {
        "title": f"Alert: {alert.subject_type} {alert.subject_key}",
        "alert": alert,
        "may_act": may_act(alert, request.user),
        "snooze_form": SnoozeForm(),
        "resolve_form": ResolveForm(),
    }
    return _page(request, "monitoring/alert.html", context)


ACTIONS = {
    "acknowledge": lambda alert, user, data: alerting.alert_acknowledge(alert=alert, actor=user),
    "snooze": lambda alert, user, data: alerting.alert_snooze(
        alert=alert, actor=user, hours=data["hours"]
    ),
    "resolve": lambda alert, user, data: alerting.alert_resolve(
        alert=alert, actor=user, note=data["note"]
    ),
}
FORMS = {"snooze": SnoozeForm, "resolve": ResolveForm}


@staff_member_required
@require_POST
def alert_act(request, pk: int, action: str):
    alert = get_object_or_404(Alert.objects.select_related("owner", "rule__escalate_to"), pk=pk)
    if action not in ACTIONS:
        raise PermissionDenied(f"There is no alert action called {action!r}.")
    if not may_act(alert, request.user):
        raise PermissionDenied(
            f"Only {alert.owner.name} (the owner), their team, the escalation contact or an "
            "integration admin may act on this alert."
        )
    form = FORMS[action](request.POST) if action in FORMS else None
    if form is not None and not form.is_valid():
        messages.error(request, "; ".join(e for errs in form.errors.values() for e in errs))
        return redirect("monitoring:alert", pk=pk)
    try:
        ACTIONS[action](alert, request.user, form.cleaned_data if form else {})
    except HubError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Alert {action}d." if action != "snooze" else "Alert snoozed.")
    return redirect("monitoring:alert", pk=pk)


@staff_member_required
def flow_runbook(request, flow_code: str):
    flow = get_object_or_404(Flow.objects.select_related("owner"), code=flow_code)
    runbook = Runbook.objects.filter(flow=flow).first()
    versions = list(runbook.versions.select_related("author")) if runbook else []
    shown = versions[0] if versions else None
    if (wanted := request.GET.get("v", "")).isdigit():
        shown = next((v for v in versions if v.number == int(wanted)), shown)
    context = {
        "title": f"Runbook: {flow.name}",
        "flow": flow,
        "runbook": runbook,
        "version": shown,
        "versions": versions,
        "alerts": Alert.objects.filter(flow=flow, status=AlertStatus.OPEN)[:10],
    }
    return _page(request, "monitoring/runbook.html", context)


@staff_member_required
def evidence(request, flow_code: str):
    flow = get_object_or_404(
        Flow.objects.select_related("owner", "source_system", "target_system"), code=flow_code
    )
    name, content = packs.evidence_pack(flow=flow)
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@staff_member_required
def trace_search(request):
    q = request.GET.get("q", "")
    context = {"title": "Trace search", "q": q, "matches": search(q) if q.strip() else None}
    return _page(request, "monitoring/trace_search.html", context)


@staff_member_required
def weekly(request):
    context = {"title": "Weekly operational review", "review": review.weekly_review()}
    return _page(request, "monitoring/weekly.html", context)


@staff_member_required
def weekly_xlsx(request):
    data = review.weekly_review()
    response = HttpResponse(review.weekly_xlsx(data), content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="weekly-review-{data["end"]:%Y-%m-%d}.xlsx"'
    )
    return response


@staff_member_required
def change_list(request):
    rows = SchemaChange.objects.select_related("flow__owner", "requested_by", "reviewed_by")
    context = {"title": "Schema and mapping changes", "changes": rows[:100]}
    return _page(request, "monitoring/changes.html", context)


@staff_member_required
def change_detail(request, pk: int):
    change = get_object_or_404(SchemaChange.objects.select_related("flow__owner"), pk=pk)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            changes.schema_change_review(
                change=change,
                actor=request.user,
                approve=form.cleaned_data["decision"] == "approve",
                note=form.cleaned_data["note"],
            )
        except HubError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Review recorded.")
        return redirect("monitoring:change", pk=pk)
    context = {
        "title": f"Change: {change}",
        "change": change,
        "form": form,
        "may_review": changes.may_review(change=change, user=request.user),
    }
    return _page(request, "monitoring/change.html", context)


def admin_login(request, extra_context=None):
    """The admin's sign-in, landing on the dashboard unless the person was headed elsewhere."""
    if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
        request.GET = request.GET.copy()
        request.GET[REDIRECT_FIELD_NAME] = reverse("monitoring:dashboard")
    return admin.site.login(request, extra_context)
