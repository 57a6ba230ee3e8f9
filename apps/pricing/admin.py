from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from apps.pricing.models import ContractPrice


@admin.register(ContractPrice)
class ContractPriceAdmin(SimpleHistoryAdmin):
    list_display = ["account", "product", "unit_price", "currency", "uom", "valid_from"]
    list_filter = ["currency", "authorised_by"]
    search_fields = ["account__number", "product__sku", "contract_number"]
