"""The quarantine workbench in the admin: the queue, cause groups, bulk actions and review.

It lives in operations, not quarantine, because approving a replay runs the pipeline
(exchange), which sits above the quarantine app. Every page is built from the decisions
registry and the reason registry; nothing here names a reason code, an entity or a flow.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from apps.core.admin import NeverDeletedAdmin
from apps.core.errors import HubError
from apps.operations.quarantine_review import ReviewMixin, decision_panels, form_errors, group_url
from apps.operations.workbench import (
    bulk_choices,
    bulk_form,
    decide_many,
    group_decisions,
)
from apps.quarantine.decisions import registry
from apps.quarantine.models import QuarantineItem, SavedQueueView
from apps.quarantine.reasons import reason_choices
from apps.quarantine.selectors import (
    STATUSES,
    VIEWS,
    QueueQuery,
    effect_of,
    queue_groups,
    queue_items,
    queue_owners,
    queue_rows,
)
from apps.quarantine.services import (
    queue_view_delete,
    queue_view_save,
)

QUEUE_LIMIT = 200


@admin.register(QuarantineItem)
class QuarantineItemAdmin(ReviewMixin, NeverDeletedAdmin):
    list_display = ["subject", "reason_code", "status", "assigned_owner", "created_at"]

    @admin.display(description="Record")
    def subject(self, obj):
        return f"{obj.subject_type} {obj.subject_key}"

    def has_add_permission(self, request):
        return False

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/review/", wrap(self.review_view), name="quarantine_review"),
            path("group/", wrap(self.group_view), name="quarantine_group"),
            path("bulk/", wrap(require_POST(self.bulk_view)), name="quarantine_bulk"),
            path("views/", wrap(require_POST(self.saved_view)), name="quarantine_views"),
            *super().get_urls(),
        ]

    def _page(self, request, template: str, context: dict, status: int = 200):
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, **context}
        return TemplateResponse(request, template, context, status=status)

    def _require_view(self, request, item=None) -> None:
        if not self.has_view_permission(request, item):
            raise PermissionDenied(
                "Viewing the quarantine queue needs the 'view quarantine item' permission; "
                "business owners, approvers and auditors hold it. Ask an integration admin."
            )

    # The queue

    def changelist_view(self, request, extra_context=None):
        self._require_view(request)
        query = QueueQuery.from_params(request.GET)
        items = queue_items(user=request.user, query=query)
        if request.GET.get("group") == "cause":
            return self._page(
                request,
                "admin/quarantine/groups.html",
                {"title": "Quarantine: one fix per cause", "groups": queue_groups(items)},
            )
        rows = queue_rows(user=request.user, items=items[:QUEUE_LIMIT])
        context = {
            "title": "Quarantine: what waits for a decision",
            "rows": rows,
            "query": query,
            "views": VIEWS,
            "statuses": list(STATUSES),
            "flows": sorted({row.item.flow.code for row in rows} | {query.flow} - {""}),
            "reasons": reason_choices(extra={row.item.reason_code for row in rows}),
            "owners": queue_owners(),
            "saved": SavedQueueView.objects.filter(user=request.user),
            "bulk_choices": bulk_choices([row.item for row in rows]),
            "querystring": request.GET.urlencode(),
            "limited": len(rows) == QUEUE_LIMIT,
        }
        return self._page(request, "admin/quarantine/queue.html", context)

    def saved_view(self, request):
        self._require_view(request)
        name = request.POST.get("name", "")
        try:
            if request.POST.get("delete"):
                queue_view_delete(user=request.user, name=name)
                return redirect("admin:quarantine_quarantineitem_changelist")
            view = queue_view_save(user=request.user, name=name, query=request.POST["query"])
        except HubError as exc:
            messages.error(request, exc.message)
            return redirect("admin:quarantine_quarantineitem_changelist")
        messages.success(request, f"View “{view.name}” saved.")
        return redirect(_queue_url(view.query))

    def bulk_view(self, request):
        self._require_view(request)
        ids = request.POST.getlist("item")
        items = list(
            QuarantineItem.objects.select_related("assigned_owner", "flow").filter(pk__in=ids)
        )
        name = request.POST.get("decision", "")
        back = _queue_url(request.POST.get("querystring", ""))
        if not items or not name:
            messages.error(request, "Select items and an action first.")
            return redirect(back)
        form = bulk_form(name, items[0], request.POST)
        if form is not None and not form.is_valid():
            messages.error(request, f"{form_errors(form)}")
            return redirect(back)
        data = form.cleaned_data if form is not None else {"note": request.POST.get("note", "")}
        outcome = decide_many(items=items, user=request.user, name=name, data=data)
        label = dict(bulk_choices(items)).get(name, name)
        (messages.success if not outcome.refused else messages.warning)(
            request, outcome.summary(label)
        )
        return redirect(back)

    # A cause group: one correction, replayed together

    def group_view(self, request):
        self._require_view(request)
        cause = request.GET.get("cause") or request.POST.get("cause", "")
        # An empty cause would filter nothing: a group decision must never reach every item.
        items = list(queue_items(user=request.user, query=QueueQuery(cause=cause))) if cause else []
        if not items:
            raise Http404("No waiting items have that cause.")
        decisions = group_decisions(items, request.user)
        bound = None
        if request.method == "POST":
            name = request.POST.get("action", "")
            decision = next((d for d in decisions if d.name == name), None)
            if decision is None:
                return self._refuse_group(request, items, name)
            bound = decision.form(items[0], request.POST)
            if bound.is_valid():
                outcome = decide_many(
                    items=items, user=request.user, name=name, data=bound.cleaned_data
                )
                messages.success(request, outcome.summary(decision.label_for(items[0])))
                # A settled group has nothing left to show: back to the groups still waiting.
                still = queue_items(user=request.user, query=QueueQuery(cause=cause)).exists()
                return redirect(group_url(cause) if still else _queue_url("group=cause"))
            messages.error(request, f"{decision.label_for(items[0])}: see the errors in the form.")
        context = {
            "title": f"{len(items)} items, one cause",
            "cause": cause,
            "rows": queue_rows(user=request.user, items=items),
            "panels": decision_panels(items[0], decisions, bound),
            "total_lines": sum(effect_of(item).lines for item in items),
        }
        return self._page(request, "admin/quarantine/group.html", context)

    def _refuse_group(self, request, items, name: str):
        try:
            for item in items:
                registry.decision_for(item=item, user=request.user, name=name)
        except HubError as exc:
            return self._page(
                request,
                "admin/refused.html",
                {"title": "Not yours to decide", "why": exc.message},
                status=exc.status,
            )
        return self._page(
            request,
            "admin/refused.html",
            {"title": "Not for a group", "why": f"{name!r} is decided one item at a time."},
            status=409,
        )


def _queue_url(querystring: str) -> str:
    base = reverse("admin:quarantine_quarantineitem_changelist")
    return f"{base}?{querystring.lstrip('?')}" if querystring else base
