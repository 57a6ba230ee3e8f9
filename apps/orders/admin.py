from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from apps.orders.models import (
    BlanketOrder,
    Cart,
    Order,
    OrderLine,
    OrderRelease,
    Payment,
    Quote,
)
from apps.ownership.field_help import OwnershipPanelMixin


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    readonly_fields = [
        "line_number",
        "product",
        "quantity",
        "uom",
        "unit_price",
        "ship_to",
        "status",
        "confirmed_quantity",
        "status_reason",
    ]


@admin.register(Order)
class OrderAdmin(OwnershipPanelMixin, SimpleHistoryAdmin):
    ownership_entities = ["order", "order_line"]
    list_display = ["number", "account", "po_number", "status", "external_ref", "created_at"]
    list_filter = ["status", "source_system"]
    search_fields = ["number", "po_number", "external_ref", "account__number"]
    readonly_fields = [
        "number",
        "account",
        "source_system",
        "po_number",
        "currency",
        "ship_to",
        "status",
        "external_ref",
        "trace_link",
    ]
    inlines = [OrderLineInline]

    @admin.display(description="Trace")
    def trace_link(self, obj):
        url = reverse("operations:trace", args=["order", obj.number])
        return format_html('<a href="{}">Every payload, stage, attempt and action</a>', url)

    def has_add_permission(self, request):
        # Orders enter through the pipeline only, so every one has a trace.
        return False


@admin.register(Cart)
class CartAdmin(OwnershipPanelMixin, SimpleHistoryAdmin):
    ownership_entities = ["cart"]
    list_display = ["number", "account", "buyer_email", "status"]


@admin.register(Quote)
class QuoteAdmin(OwnershipPanelMixin, SimpleHistoryAdmin):
    ownership_entities = ["quote"]
    list_display = ["number", "account", "total", "currency", "valid_until", "status"]


@admin.register(BlanketOrder)
class BlanketOrderAdmin(OwnershipPanelMixin, SimpleHistoryAdmin):
    ownership_entities = ["blanket_order"]
    list_display = ["number", "account", "product", "total_quantity", "unit_price", "valid_to"]


@admin.register(OrderRelease)
class OrderReleaseAdmin(OwnershipPanelMixin, SimpleHistoryAdmin):
    ownership_entities = ["order_release"]
    list_display = ["number", "blanket", "quantity", "requested_date", "status"]


@admin.register(Payment)
class PaymentAdmin(OwnershipPanelMixin, SimpleHistoryAdmin):
    ownership_entities = ["payment"]
    list_display = ["reference", "order", "amount", "currency", "status", "method"]
