from django.contrib import admin
from django.db.models import DecimalField, ExpressionWrapper, F, Sum
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
    list_display = [
        "number",
        "customer",
        "po_number",
        "total",
        "status",
        "external_ref",
        "created_at",
    ]
    list_filter = ["status", "source_system"]
    search_fields = ["number", "po_number", "external_ref", "account__number"]
    list_select_related = ["account"]

    def get_queryset(self, request):
        # The total in the same query as the rows: quantity × unit price over the lines.
        line_value = ExpressionWrapper(
            F("lines__quantity") * F("lines__unit_price"), output_field=DecimalField()
        )
        return super().get_queryset(request).annotate(order_total=Sum(line_value))

    @admin.display(description="Customer", ordering="account__name")
    def customer(self, obj):
        return f"{obj.account.number} {obj.account.name}"

    @admin.display(description="Total", ordering="order_total")
    def total(self, obj):
        value = obj.order_total
        return f"{obj.currency} {value:,.2f}" if value is not None else "-"

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
