from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from apps.orders.models import Order, OrderLine


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    readonly_fields = ["line_number", "product", "quantity", "uom", "unit_price", "ship_to"]


@admin.register(Order)
class OrderAdmin(SimpleHistoryAdmin):
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
