from django.contrib import admin
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters
from simple_history.admin import SimpleHistoryAdmin

from apps.core.admin import DeactivateNotDeleteAdmin
from apps.systems.forms import MaintenanceWindowForm, SystemAdminForm
from apps.systems.models import ExternalReference, MaintenanceWindow, System
from apps.systems.selectors import system_circuit, system_gate
from apps.systems.services import (
    maintenance_window_delete,
    maintenance_window_save,
    system_circuit_close,
    system_credentials_clear,
    system_credentials_set,
    system_deactivate,
    system_reactivate,
)


class MaintenanceWindowInline(admin.StackedInline):
    model = MaintenanceWindow
    form = MaintenanceWindowForm
    extra = 0
    readonly_fields = ["created_by"]


@admin.register(System)
class SystemAdmin(DeactivateNotDeleteAdmin, SimpleHistoryAdmin):
    form = SystemAdminForm
    list_display = [
        "code",
        "name",
        "kind",
        "environment",
        "base_url",
        "credential",
        "is_active",
        "circuit_state",
    ]
    list_filter = ["kind", "environment", "is_active"]
    search_fields = ["code", "name"]
    # is_active changes only through the actions, so every change carries a reason.
    readonly_fields = ["credential", "is_active", "circuit_state", "delivery_gate"]
    inlines = [MaintenanceWindowInline]
    actions = ["deactivate", "reactivate", "close_circuit"]

    @admin.display(description="Auth token")
    def credential(self, obj: System) -> str:
        return obj.credential_hint() if obj.pk else "not set"

    @admin.display(description="Circuit")
    def circuit_state(self, obj: System) -> str:
        circuit = system_circuit(system=obj) if obj.pk else None
        return circuit.get_state_display() if circuit else "Closed: deliveries go through"

    @admin.display(description="Deliveries now")
    def delivery_gate(self, obj: System) -> str:
        if not obj.pk:
            return "-"
        gate = system_gate(system=obj, now=timezone.now())
        return "may go" if gate.open and not gate.probe else gate.reason

    # A crash report (AdminEmailHandler, DEBUG page) must not carry the token someone typed.
    @method_decorator(sensitive_post_parameters("new_token"))
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if form.cleaned_data.get("new_token"):
            token = form.cleaned_data["new_token"]
            system_credentials_set(system=obj, token=token, actor=request.user)
        elif form.cleaned_data.get("clear_token"):
            system_credentials_clear(system=obj, actor=request.user)

    def save_formset(self, request, form, formset, change):
        # Windows are saved through the service, which records who created each.
        for window in formset.save(commit=False):
            maintenance_window_save(window=window, actor=request.user)
        for window in formset.deleted_objects:
            maintenance_window_delete(window=window, actor=request.user)

    @admin.action(description="Close circuit of selected (reason required)", permissions=["change"])
    def close_circuit(self, request, queryset):
        self._each(request, queryset, self.close_circuit_one, "circuit closed")

    def close_circuit_one(self, obj, *, actor, reason):
        return system_circuit_close(system=obj, actor=actor, reason=reason)

    def deactivate_one(self, obj, *, actor, reason):
        return system_deactivate(system=obj, actor=actor, reason=reason)

    def reactivate_one(self, obj, *, actor, reason):
        return system_reactivate(system=obj, actor=actor, reason=reason)


@admin.register(ExternalReference)
class ExternalReferenceAdmin(SimpleHistoryAdmin):
    list_display = ["system", "entity", "external_id", "canonical_key"]
    list_filter = ["system", "entity"]
    search_fields = ["external_id", "canonical_key"]
