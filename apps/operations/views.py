from django.contrib.admin.views.decorators import staff_member_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render

from apps.flows.models import Flow
from apps.operations.health import broker_ready
from apps.operations.selectors import attempts_for, envelopes_for, trace_for


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


@staff_member_required
def trace(request, subject_type: str, subject_key: str):
    context = {
        "subject_type": subject_type,
        "subject_key": subject_key,
        "lines": trace_for(subject_type=subject_type, subject_key=subject_key),
        "envelopes": envelopes_for(subject_key=subject_key),
        "attempts": attempts_for(subject_type=subject_type, subject_key=subject_key),
        "title": f"Trace of {subject_type} {subject_key}",
    }
    return render(request, "operations/trace.html", context)


@staff_member_required
def runbook(request, flow_code: str):
    flow = get_object_or_404(Flow.objects.select_related("owner"), code=flow_code)
    return render(
        request, "operations/runbook.html", {"flow": flow, "title": f"Runbook: {flow.name}"}
    )
