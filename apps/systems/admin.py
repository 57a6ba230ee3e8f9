from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from apps.systems.models import System


@admin.register(System)
class SystemAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "kind", "environment", "base_url", "is_active"]
    list_filter = ["kind", "environment", "is_active"]
    search_fields = ["code", "name"]
