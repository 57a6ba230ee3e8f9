from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from apps.accounts.models import (
    AccountEntitlement,
    AccountSite,
    ApprovalRule,
    Buyer,
    CatalogEntitlement,
    CompanyAccount,
    CreditLimit,
    TaxExemption,
)
from apps.ownership.field_help import OwnershipPanelMixin


class EntitlementInline(admin.TabularInline):
    model = AccountEntitlement
    extra = 0


class SiteInline(admin.TabularInline):
    """Sites as the owning system sent them; an inline would otherwise write past the matrix."""

    model = AccountSite
    extra = 0
    can_delete = False
    fields = readonly_fields = ["code", "kind", "name", "line1", "city", "postal_code", "country"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(CompanyAccount)
class CompanyAccountAdmin(OwnershipPanelMixin, SimpleHistoryAdmin):
    ownership_entities = ["company_account", "account_hierarchy"]
    list_display = ["number", "name", "parent", "status", "credit_status", "tax_id", "duns"]
    list_filter = ["status", "credit_status"]
    search_fields = ["number", "name", "tax_id", "duns"]
    inlines = [SiteInline, EntitlementInline]


@admin.register(AccountSite)
class AccountSiteAdmin(OwnershipPanelMixin, SimpleHistoryAdmin):
    ownership_entities = ["account_site"]
    list_display = ["code", "account", "kind", "name", "city", "country"]
    list_filter = ["kind"]
    search_fields = ["code", "account__number", "name"]


@admin.register(Buyer)
class BuyerAdmin(OwnershipPanelMixin, SimpleHistoryAdmin):
    ownership_entities = ["buyer", "buyer_role"]
    list_display = ["email", "name", "account", "role", "spending_limit"]
    list_filter = ["role"]
    search_fields = ["email", "name", "account__number"]


@admin.register(CreditLimit)
class CreditLimitAdmin(OwnershipPanelMixin, SimpleHistoryAdmin):
    ownership_entities = ["credit_limit"]
    list_display = ["account", "limit", "currency", "hold", "hold_kind"]
    list_filter = ["hold", "hold_kind"]


@admin.register(TaxExemption)
class TaxExemptionAdmin(OwnershipPanelMixin, SimpleHistoryAdmin):
    ownership_entities = ["tax_exemption"]
    list_display = ["certificate", "account", "jurisdiction", "expires_on"]


@admin.register(CatalogEntitlement)
class CatalogEntitlementAdmin(OwnershipPanelMixin, SimpleHistoryAdmin):
    ownership_entities = ["catalog_entitlement"]
    list_display = ["account", "product", "allowed"]


@admin.register(ApprovalRule)
class ApprovalRuleAdmin(OwnershipPanelMixin, SimpleHistoryAdmin):
    ownership_entities = ["approval_rule"]
    list_display = ["code", "account", "min_amount", "max_amount", "approver_role"]
