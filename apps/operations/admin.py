"""Admin screens for operations: alerts and envelopes; the quarantine workbench
(quarantine_admin) and the outbox (delivery_admin) register from their own modules."""

from django.contrib import admin
from django.utils.html import format_html

from apps.core.admin import NeverDeletedAdmin
from apps.exchange.models import Envelope
from apps.operations import (
    delivery_admin,  # noqa: F401 - registers the outbox screens
    quarantine_admin,  # noqa: F401 - registers the workbench
    sync_admin,  # noqa: F401 - registers the batch sync runs
)
from apps.operations.models import Alert


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
    list_filter = ["status", "kind", "owner", "flow"]
    readonly_fields = [
        "kind",
        "subject_type",
        "subject_key",
        "quarantine_item",
        "owner",
        "message",
        "runbook_url",
        "status",
        # Alert rules and the lifecycle (apps/monitoring): changed on the alert's own page
        # through the services, so who acknowledged or resolved it is never typed in by hand.
        "flow",
        "rule",
        "value_at_stake",
        "lines_at_stake",
        "acknowledged_at",
        "acknowledged_by",
        "snoozed_until",
        "snoozed_by",
        "resolved_at",
        "resolved_by",
        "resolution",
        "escalated_at",
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
