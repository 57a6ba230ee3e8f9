from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from apps.accounts.models import AccountEntitlement, CompanyAccount


class EntitlementInline(admin.TabularInline):
    model = AccountEntitlement
    extra = 0


@admin.register(CompanyAccount)
class CompanyAccountAdmin(SimpleHistoryAdmin):
    list_display = ["number", "name", "parent", "status", "credit_status"]
    list_filter = ["status", "credit_status"]
    search_fields = ["number", "name"]
    inlines = [EntitlementInline]
