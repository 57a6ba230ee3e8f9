from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from apps.core.admin import DeactivateNotDeleteAdmin
from apps.flows.models import Flow
from apps.flows.services import flow_deactivate, flow_reactivate


@admin.register(Flow)
class FlowAdmin(DeactivateNotDeleteAdmin, SimpleHistoryAdmin):
    list_display = [
        "code",
        "source_system",
        "target_system",
        "owner",
        "queue",
        "is_paused",
        "is_active",
    ]
    list_filter = ["is_active", "is_paused", "degraded_mode"]
    search_fields = ["code", "name"]
    # Only the actions change it, so every change carries a reason in the history.
    readonly_fields = ["is_active"]

    def deactivate_one(self, obj, *, actor, reason):
        return flow_deactivate(flow=obj, actor=actor, reason=reason)

    def reactivate_one(self, obj, *, actor, reason):
        return flow_reactivate(flow=obj, actor=actor, reason=reason)
