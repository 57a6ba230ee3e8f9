"""Admin screens for operations: the quarantine work queue, alerts, envelopes and deliveries.

They live here, not in quarantine/, because approving a replay runs the pipeline (exchange),
which sits above the quarantine app.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from apps.core.admin import NeverDeletedAdmin
from apps.core.errors import HubError
from apps.exchange.models import Delivery, Envelope
from apps.exchange.services import replay_approve
from apps.operations.forms import DecisionNoteForm, OrderPriceCorrectionForm
from apps.operations.models import Alert
from apps.quarantine.models import QuarantineItem, QuarantineStatus
from apps.quarantine.services import (
    quarantine_accept_owner_prices,
    quarantine_correct_order_prices,
    quarantine_decide_same_company,
    quarantine_discard,
    quarantine_refuse_replay,
    quarantine_submit_correction,
)


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
            self._decide(request, item)
            return redirect("admin:quarantine_review", pk=pk)
        return TemplateResponse(
            request,
            "admin/quarantine/review.html",
            {
                **self.admin_site.each_context(request),
                "item": item,
                "opts": self.model._meta,
                "title": f"Quarantined {item.subject_type} {item.subject_key}",
                "correction_form": OrderPriceCorrectionForm(item=item)
                if item.subject_type == "order" and item.reason_code != "delivery_failed"
                else None,
                "decision_form": DecisionNoteForm(),
                "may_correct": item.status == QuarantineStatus.OPEN
                and item.is_owned_by(request.user),
                "may_approve": item.status == QuarantineStatus.AWAITING_APPROVAL
                and request.user.has_perm("quarantine.approve_replay"),
                "trace_url": reverse(
                    "operations:trace", args=[item.subject_type, item.subject_key]
                ),
            },
        )

    def _decide(self, request, item):
        try:
            message = self._apply_decision(request, item)
        except HubError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, message)

    def _apply_decision(self, request, item) -> str:
        action, user = request.POST.get("action"), request.user
        if action in ("approve", "refuse") and not user.has_perm("quarantine.approve_replay"):
            raise PermissionDenied
        note = request.POST.get("note", "")
        if action == "accept_owner_price":
            quarantine_accept_owner_prices(item=item, actor=user, note=note)
            return "ERP prices accepted; the replay now waits for a second person's approval."
        if action == "correct":
            form = OrderPriceCorrectionForm(request.POST, item=item)
            if not form.is_valid():
                raise HubError(f"The correction is not valid: {form.errors.as_text()}")
            quarantine_correct_order_prices(item=item, prices=form.prices(), actor=user, note=note)
            return "Correction saved; the replay now waits for a second person's approval."
        if action == "discard":
            quarantine_discard(item=item, actor=user, note=note)
            return "Item discarded; the owner's value stands."
        if action == "same_as":
            item = quarantine_decide_same_company(item=item, actor=user, note=note)
            return "The mapping to the existing company waits for a second person's approval."
        if action == "request_replay":
            quarantine_submit_correction(
                item=item, corrected_payload=item.payload, actor=user, note=note
            )
            return "Replay as is requested; it now waits for a second person's approval."
        if action == "approve":
            item = replay_approve(item=item, actor=user, note=note)
            return f"Replay approved; the item is {item.get_status_display().lower()}."
        if action == "refuse":
            quarantine_refuse_replay(item=item, actor=user, note=note)
            return "Correction sent back to its owner."
        raise HubError(f"Unknown action {action!r}.")


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


@admin.register(Delivery)
class DeliveryAdmin(NeverDeletedAdmin):
    list_display = [
        "pk",
        "subject_type",
        "subject_key",
        "target_system",
        "status",
        "attempts",
        "next_attempt_at",
    ]
    list_filter = ["status", "target_system", "flow"]
    search_fields = ["subject_key", "idempotency_key"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
