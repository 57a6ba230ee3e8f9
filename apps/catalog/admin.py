from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from apps.catalog.models import InventoryLevel, Product, SkuRule, UnitConversion
from apps.ownership.field_help import OwnershipPanelMixin


@admin.register(Product)
class ProductAdmin(OwnershipPanelMixin, SimpleHistoryAdmin):
    ownership_entities = ["product"]
    list_display = ["sku", "name", "uom", "status"]
    list_filter = ["status"]
    search_fields = ["sku", "name"]


@admin.register(InventoryLevel)
class InventoryLevelAdmin(OwnershipPanelMixin, SimpleHistoryAdmin):
    ownership_entities = ["inventory"]
    list_display = ["product", "location", "on_hand", "available", "backorder_date"]
    search_fields = ["product__sku", "location"]


@admin.register(UnitConversion)
class UnitConversionAdmin(SimpleHistoryAdmin):
    list_display = ["system", "external_code", "product", "factor", "canonical_uom"]
    list_filter = ["system"]


@admin.register(SkuRule)
class SkuRuleAdmin(SimpleHistoryAdmin):
    list_display = ["system", "uppercase", "strip_characters", "strip_prefix"]
