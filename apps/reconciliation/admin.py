"""Reconciliation runs in the admin: the run list, run on demand, a report per run, exports."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from apps.reconciliation.charts import trend_svg
from apps.reconciliation.choices import Trigger
from apps.reconciliation.models import Mismatch, ReconciliationRun
from apps.reconciliation.resources import FORMATS, mismatches_dataset
from apps.reconciliation.selectors import run_filter_choices, run_mismatches, runs_trend
from apps.reconciliation.services import reconciliation_names
from apps.reconciliation.tasks import reconciliation_run_task


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "status",
        "trigger",
        "created_at",
        "mismatch_count",
        "value_at_stake",
        "report_link",
    ]
    list_filter = ["name", "status", "trigger"]
    change_list_template = "admin/reconciliation/run_change_list.html"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def may_run(self, request) -> bool:
        return request.user.is_superuser

    @admin.display(description="Report")
    def report_link(self, run: ReconciliationRun) -> str:
        url = reverse("admin:reconciliation_run_report", args=[run.pk])
        return format_html('<a href="{}">report</a>', url)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("run/", view(self.run_view), name="reconciliation_run_now"),
            path("<int:run_id>/report/", view(self.report_view), name="reconciliation_run_report"),
            path(
                "mismatch/<int:mismatch_id>/",
                view(self.mismatch_view),
                name="reconciliation_mismatch",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra = {"names": reconciliation_names(), "may_run": self.may_run(request)}
        return super().changelist_view(request, {**(extra_context or {}), **extra})

    def run_view(self, request):
        """Run on demand: queued on the bulk queue; the run shows in the list when it ends."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.may_run(request):
            raise PermissionDenied
        name = request.POST.get("name", "")
        if name not in reconciliation_names():
            messages.error(request, f"No reconciliation named {name!r}.")
            return redirect("admin:reconciliation_reconciliationrun_changelist")
        kwargs = {"name": name, "trigger": Trigger.ADMIN, "actor_id": request.user.pk}
        transaction.on_commit(
            lambda: reconciliation_run_task.apply_async(kwargs=kwargs, queue="bulk")
        )
        messages.success(request, f"The {name} reconciliation is running.")
        return redirect("admin:reconciliation_reconciliationrun_changelist")

    def report_view(self, request, run_id: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        run = get_object_or_404(ReconciliationRun, pk=run_id)
        filters = {key: request.GET.get(key, "") for key in ("kind", "owner", "resolved")}
        rows = run_mismatches(run, **filters)
        export = request.GET.get("format", "")
        if export in FORMATS:
            return self._export(run, rows, export)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{run.name.capitalize()} reconciliation, run {run.pk}",
            "run": run,
            "rows": rows[:1000],
            "shown": min(rows.count(), 1000),
            "total": rows.count(),
            "filters": filters,
            "choices": run_filter_choices(run),
            "trend": trend_svg(runs_trend(run.name), current_id=run.pk),
            "query": request.GET.urlencode(),
        }
        return TemplateResponse(request, "admin/reconciliation/run_report.html", context)

    def _export(self, run, rows, export: str) -> HttpResponse:
        data = mismatches_dataset(rows).export(export)
        response = HttpResponse(data, content_type=FORMATS[export])
        filename = f"reconciliation-{run.name}-run-{run.pk}.{export}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def mismatch_view(self, request, mismatch_id: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        mismatch = get_object_or_404(
            Mismatch.objects.select_related("run", "owner", "quarantine_item"), pk=mismatch_id
        )
        names = sorted({*(mismatch.left_value or {}), *(mismatch.right_value or {})})
        fields = [
            (
                name,
                (mismatch.left_value or {}).get(name),
                (mismatch.right_value or {}).get(name),
                name in mismatch.changed_fields,
            )
            for name in names
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Mismatch {mismatch.key}: {mismatch.kind.replace('_', ' ')}",
            "m": mismatch,
            "fields": fields,
        }
        return TemplateResponse(request, "admin/reconciliation/mismatch.html", context)
