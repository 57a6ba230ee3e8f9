from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from apps.systems.models import ExternalReference, System


@admin.register(System)
class SystemAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "kind", "environment", "base_url", "is_active"]
    list_filter = ["kind", "environment", "is_active"]
    search_fields = ["code", "name"]


@admin.register(ExternalReference)
class ExternalReferenceAdmin(SimpleHistoryAdmin):
    list_display = ["system", "entity", "external_id", "canonical_key"]
    list_filter = ["system", "entity"]
    search_fields = ["external_id", "canonical_key"]
