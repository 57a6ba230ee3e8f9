from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from apps.ownership.field_help import OwnershipPanelMixin
from apps.pricing.models import Contract, ContractPrice, PriceList


@admin.register(ContractPrice)
class ContractPriceAdmin(OwnershipPanelMixin, SimpleHistoryAdmin):
    ownership_entities = ["contract_price"]
    list_display = ["account", "product", "unit_price", "currency", "uom", "valid_from", "valid_to"]
    list_filter = ["currency", "authorised_by"]
    search_fields = ["account__number", "product__sku", "contract_number"]


@admin.register(Contract)
class ContractAdmin(OwnershipPanelMixin, SimpleHistoryAdmin):
    ownership_entities = ["contract"]
    list_display = ["number", "account", "starts_on", "ends_on", "status"]
    list_filter = ["status"]


@admin.register(PriceList)
class PriceListAdmin(OwnershipPanelMixin, SimpleHistoryAdmin):
    ownership_entities = ["price_list"]
    list_display = ["code", "name", "currency", "account"]
