from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render

from apps.operations.health import broker_ready
from apps.operations.selectors import (
    attempts_for,
    decisions_for,
    envelopes_for,
    subject_known,
    trace_for,
)


def healthz(request):
    return JsonResponse({"status": "ok"})


def readyz(request):
    checks = {"database": _database_ready(), "broker": broker_ready()}
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", **checks}, status=200 if ready else 503
    )


def _database_ready() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - readiness reports any failure, never raises
        return f"error: {exc.__class__.__name__}: {exc}"
    return "ok"


def _in_admin_chrome(request, template: str, context: dict, status: int = 200):
    """Render in the admin's frame: brand, menu, the user and their logout."""
    return render(request, template, {**admin.site.each_context(request), **context}, status=status)


@staff_member_required
def trace(request, subject_type: str, subject_key: str):
    lines = trace_for(subject_type=subject_type, subject_key=subject_key)
    if not lines and not subject_known(subject_type=subject_type, subject_key=subject_key):
        raise Http404(f"The hub has no trace of {subject_type} {subject_key}.")
    context = {
        "subject_type": subject_type,
        "subject_key": subject_key,
        "lines": lines,
        "envelopes": envelopes_for(subject_key=subject_key),
        "attempts": attempts_for(subject_type=subject_type, subject_key=subject_key),
        "decisions": decisions_for(subject_type=subject_type, subject_key=subject_key),
        "title": f"Trace of {subject_type} {subject_key}",
    }
    return _in_admin_chrome(request, "operations/trace.html", context)


@staff_member_required
def runbook(request, flow_code: str):
    # The runbook is a versioned record now; older links (alerts already sent) still work.
    return redirect("monitoring:flow_runbook", flow_code=flow_code)


def permission_refused(request, exception=None):
    """A refusal in the hub's own page: what was refused and who may do it, never a bare 403."""
    why = (
        str(exception)
        if exception and str(exception)
        else (
            "Your login does not hold the permission this page needs. Business owners act on "
            "their team's items, approvers approve replays, integration admins change settings."
        )
    )
    context = {"title": "Not allowed", "why": why}
    if request.user.is_authenticated and request.user.is_staff:
        return _in_admin_chrome(request, "admin/refused.html", context, status=403)
    return render(request, "refused_plain.html", context, status=403)
