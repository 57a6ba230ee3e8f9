from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from apps.fulfillment.models import Invoice, Refund, ReturnRequest, Shipment
from apps.ownership.field_help import OwnershipPanelMixin


@admin.register(Shipment)
class ShipmentAdmin(OwnershipPanelMixin, SimpleHistoryAdmin):
    ownership_entities = ["shipment"]
    list_display = ["number", "order", "carrier", "tracking_number", "status", "shipped_at"]
    list_filter = ["status", "carrier"]


@admin.register(Invoice)
class InvoiceAdmin(OwnershipPanelMixin, SimpleHistoryAdmin):
    ownership_entities = ["invoice"]
    list_display = ["number", "order", "amount", "currency", "due_date", "status"]
    list_filter = ["status"]


@admin.register(ReturnRequest)
class ReturnRequestAdmin(OwnershipPanelMixin, SimpleHistoryAdmin):
    ownership_entities = ["return"]
    list_display = ["number", "order", "reason", "status"]


@admin.register(Refund)
class RefundAdmin(OwnershipPanelMixin, SimpleHistoryAdmin):
    ownership_entities = ["refund"]
    list_display = ["reference", "return_request", "amount", "currency", "status"]
