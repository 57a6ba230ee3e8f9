from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from apps.core.admin import DeactivateNotDeleteAdmin
from apps.flows.models import Flow
from apps.flows.services import (
    flow_deactivate,
    flow_drain,
    flow_pause,
    flow_reactivate,
    flow_resume,
)

# Only the actions change these, so every change carries a reason in the history.
CONTROL_FLAGS = ["is_paused", "is_draining"]


@admin.register(Flow)
class FlowAdmin(DeactivateNotDeleteAdmin, SimpleHistoryAdmin):
    list_display = [
        "code",
        "build_status",
        "pattern",
        "source_system",
        "target_system",
        "owner",
        "queue",
        "state",
        "is_active",
    ]
    list_filter = ["build_status", "pattern", "queue", "is_active", "is_paused", "is_draining"]
    search_fields = ["code", "name"]
    actions = ["pause", "drain", "resume", "deactivate", "reactivate"]
    # Whether a flow is built is a fact about the code, not a setting an admin may flip.
    readonly_fields = ["build_status", *CONTROL_FLAGS, "is_active"]
    fieldsets = [
        (None, {"fields": ["code", "name", "build_status", "pattern", "owner"]}),
        ("Route", {"fields": ["source_system", "target_system", "queue"]}),
        ("Schedule", {"fields": ["schedule", "schedule_description", "freshness_sla"]}),
        (
            "Policy",
            {
                "fields": [
                    "max_attempts",
                    "backoff_base_seconds",
                    "backoff_max_seconds",
                    "retry_window",
                    "degraded_mode",
                ]
            },
        ),
        ("Operator controls", {"fields": [*CONTROL_FLAGS, "is_active"]}),
        ("Runbook and versions", {"fields": ["runbook", "schema_version", "mapping_version"]}),
    ]

    @admin.display(description="state")
    def state(self, obj: Flow) -> str:
        return obj.operating_state()

    def save_model(self, request, obj, form, change):
        if change:
            # A history revert saves every field of the old version; these move only through
            # the actions, which ask for a reason.
            current = Flow.objects.filter(pk=obj.pk).values(*CONTROL_FLAGS).get()
            for name, value in current.items():
                setattr(obj, name, value)
        super().save_model(request, obj, form, change)

    @admin.action(
        description="Pause selected: hold deliveries (reason required)", permissions=["change"]
    )
    def pause(self, request, queryset):
        self._each(request, queryset, self._pause_one, "paused")

    @admin.action(
        description="Drain selected: refuse new payloads (reason required)", permissions=["change"]
    )
    def drain(self, request, queryset):
        self._each(request, queryset, self._drain_one, "draining")

    @admin.action(description="Resume selected (reason required)", permissions=["change"])
    def resume(self, request, queryset):
        self._each(request, queryset, self._resume_one, "resumed")

    def _pause_one(self, obj, *, actor, reason):
        return flow_pause(flow=obj, actor=actor, reason=reason)

    def _drain_one(self, obj, *, actor, reason):
        return flow_drain(flow=obj, actor=actor, reason=reason)

    def _resume_one(self, obj, *, actor, reason):
        return flow_resume(flow=obj, actor=actor, reason=reason)

    def deactivate_one(self, obj, *, actor, reason):
        return flow_deactivate(flow=obj, actor=actor, reason=reason)

    def reactivate_one(self, obj, *, actor, reason):
        return flow_reactivate(flow=obj, actor=actor, reason=reason)
