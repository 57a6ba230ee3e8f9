from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from apps.ownership.models import BusinessOwner, FieldOwnership


@admin.register(BusinessOwner)
class BusinessOwnerAdmin(SimpleHistoryAdmin):
    list_display = ["name", "area", "email", "escalation_contact", "user"]
    search_fields = ["name", "email", "area"]


@admin.register(FieldOwnership)
class FieldOwnershipAdmin(SimpleHistoryAdmin):
    list_display = ["entity", "field", "owner_system", "enforcement", "business_owner"]
    list_filter = ["entity", "owner_system", "enforcement"]
    search_fields = ["entity", "field"]
    filter_horizontal = ["may_create", "may_update", "consumers"]
