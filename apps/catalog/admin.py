from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from apps.catalog.models import Product, UnitConversion


@admin.register(Product)
class ProductAdmin(SimpleHistoryAdmin):
    list_display = ["sku", "name", "uom", "status"]
    list_filter = ["status"]
    search_fields = ["sku", "name"]


@admin.register(UnitConversion)
class UnitConversionAdmin(SimpleHistoryAdmin):
    list_display = ["system", "external_code", "product", "factor", "canonical_uom"]
    list_filter = ["system"]
