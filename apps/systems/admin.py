from django.contrib import admin
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters
from simple_history.admin import SimpleHistoryAdmin

from apps.core.admin import DeactivateNotDeleteAdmin
from apps.systems.forms import SystemAdminForm
from apps.systems.models import ExternalReference, System
from apps.systems.services import (
    system_credentials_clear,
    system_credentials_set,
    system_deactivate,
    system_reactivate,
)


@admin.register(System)
class SystemAdmin(DeactivateNotDeleteAdmin, SimpleHistoryAdmin):
    form = SystemAdminForm
    list_display = ["code", "name", "kind", "environment", "base_url", "credential", "is_active"]
    list_filter = ["kind", "environment", "is_active"]
    search_fields = ["code", "name"]
    # is_active changes only through the actions, so every change carries a reason.
    readonly_fields = ["credential", "is_active"]

    @admin.display(description="Auth token")
    def credential(self, obj: System) -> str:
        return obj.credential_hint() if obj.pk else "not set"

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

    def deactivate_one(self, obj, *, actor, reason):
        return system_deactivate(system=obj, actor=actor, reason=reason)

    def reactivate_one(self, obj, *, actor, reason):
        return system_reactivate(system=obj, actor=actor, reason=reason)


@admin.register(ExternalReference)
class ExternalReferenceAdmin(SimpleHistoryAdmin):
    list_display = ["system", "entity", "external_id", "canonical_key"]
    list_filter = ["system", "entity"]
    search_fields = ["external_id", "canonical_key"]
