"""Admin screens for operations: the quarantine work queue, alerts, envelopes and deliveries.

They live here, not in quarantine/, because approving a replay runs the pipeline (exchange),
which sits above the quarantine app.
"""

from dataclasses import dataclass

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from apps.core.admin import NeverDeletedAdmin
from apps.core.errors import HubError
from apps.exchange.models import Envelope
from apps.operations import delivery_admin  # noqa: F401 - registers the outbox screens
from apps.operations.models import Alert
from apps.quarantine.decisions import Decision, registry
from apps.quarantine.forms import NoteForm
from apps.quarantine.models import QuarantineItem


@dataclass
class DecisionPanel:
    """One HTML form on the review screen: decisions sharing a form class share its fields."""

    html_id: str
    heading: str
    form: NoteForm
    buttons: list[tuple[str, str]]


@admin.register(QuarantineItem)
class QuarantineItemAdmin(NeverDeletedAdmin):
    list_display = ["subject", "reason_code", "status", "assigned_owner", "created_at"]
    list_filter = ["status", "reason_code", "flow", "assigned_owner"]
    search_fields = ["subject_key", "message"]

    @admin.display(description="Record")
    def subject(self, obj):
        return f"{obj.subject_type} {obj.subject_key}"

    def has_add_permission(self, request):
        return False

    def get_urls(self):
        review = self.admin_site.admin_view(self.review_view)
        return [path("<int:pk>/review/", review, name="quarantine_review"), *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return redirect("admin:quarantine_review", pk=object_id)

    def review_view(self, request, pk: int):
        item = get_object_or_404(
            QuarantineItem.objects.select_related("assigned_owner", "flow"), pk=pk
        )
        if not self.has_view_permission(request, item):
            raise PermissionDenied
        if request.method == "POST":
            return self._decide(request, item)
        return self._review_page(request, item)

    def _decide(self, request, item):
        """Take the posted decision the registry offers; a refusal is told on the page itself."""
        name = request.POST.get("action", "")
        try:
            decision = registry.decision_for(item=item, user=request.user, name=name)
        except HubError as exc:
            messages.error(request, exc.message)
            return self._review_page(request, item, status=exc.status)
        form = decision.form(item, request.POST)
        if not form.is_valid():
            messages.error(request, f"{decision.label_for(item)}: see the errors in the form.")
            return self._review_page(request, item, bound=form)
        try:
            messages.success(
                request, decision.take(item=item, actor=request.user, data=form.cleaned_data)
            )
        except HubError as exc:
            messages.error(request, exc.message)
        return redirect("admin:quarantine_review", pk=item.pk)

    def _review_page(self, request, item, *, bound: NoteForm | None = None, status: int = 200):
        headings, rows = registry.problem_table(item)
        context = {
            **self.admin_site.each_context(request),
            "item": item,
            "opts": self.model._meta,
            "title": f"Quarantined {item.subject_type} {item.subject_key}",
            "problem_headings": headings,
            "problem_rows": rows,
            "panels": _panels(item, registry.offered(item=item, user=request.user), bound),
            "trace_url": reverse("operations:trace", args=[item.subject_type, item.subject_key]),
        }
        return TemplateResponse(request, "admin/quarantine/review.html", context, status=status)


def _panels(item, decisions: list[Decision], bound: NoteForm | None) -> list[DecisionPanel]:
    """One panel per form class, in registration order; the first keeps Django's default ids
    and later ones get prefixed ids, so ids stay unique while field names stay plain."""
    panels: dict[type, DecisionPanel] = {}
    for decision in decisions:
        panel = panels.get(decision.form_class)
        if panel is None:
            form = bound if type(bound) is decision.form_class else decision.form(item)
            form.auto_id = "id_%s" if not panels else f"id_{decision.name}-%s"
            panel = panels[decision.form_class] = DecisionPanel(
                html_id=f"{decision.name.replace('_', '-')}-form",
                heading=decision.role.label,
                form=form,
                buttons=[],
            )
        panel.buttons.append((decision.name, decision.label_for(item)))
    return list(panels.values())


@admin.register(Alert)
class AlertAdmin(NeverDeletedAdmin):
    list_display = [
        "kind",
        "subject_type",
        "subject_key",
        "owner",
        "status",
        "runbook",
        "created_at",
    ]
    list_filter = ["status", "kind", "owner"]
    readonly_fields = [
        "kind",
        "subject_type",
        "subject_key",
        "quarantine_item",
        "owner",
        "message",
        "runbook_url",
        "status",
    ]

    @admin.display(description="Runbook")
    def runbook(self, obj):
        return format_html('<a href="{}">runbook</a>', obj.runbook_url)

    def has_add_permission(self, request):
        return False


@admin.register(Envelope)
class EnvelopeAdmin(NeverDeletedAdmin):
    list_display = [
        "pk",
        "partner",
        "flow",
        "idempotency_key",
        "status",
        "response_status",
        "subject_key",
        "created_at",
    ]
    list_filter = ["status", "partner", "flow"]
    search_fields = ["idempotency_key", "subject_key"]
    exclude = ["raw"]
    readonly_fields = [
        "partner",
        "flow",
        "idempotency_key",
        "body_hash",
        "content_type",
        "status",
        "subject_key",
        "response_status",
        "response_body",
        "error_code",
        "raw_text",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
