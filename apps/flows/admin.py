from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from apps.flows.models import Flow


@admin.register(Flow)
class FlowAdmin(SimpleHistoryAdmin):
    list_display = ["code", "source_system", "target_system", "owner", "queue", "is_paused"]
    list_filter = ["is_paused", "degraded_mode"]
    search_fields = ["code", "name"]
