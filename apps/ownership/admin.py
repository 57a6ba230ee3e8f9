from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats
from simple_history.admin import SimpleHistoryAdmin
from simple_history.manager import SIMPLE_HISTORY_REVERSE_ATTR_NAME

from apps.core.errors import ValidationFailed
from apps.ownership.forms import ROW_FIELDS, field_ownership_form, role_field_name
from apps.ownership.models import BusinessOwner, FieldOwnership
from apps.ownership.resources import FieldOwnershipResource
from apps.ownership.selectors import ownership_matrix_grid, ownership_roles
from apps.ownership.services import ownership_rule_delete, ownership_rule_save
from apps.systems.models import System

ROLE_LEGEND = "O owner · C may create · U may update · R reads (consumer)"


@admin.register(BusinessOwner)
class BusinessOwnerAdmin(SimpleHistoryAdmin):
    list_display = ["name", "area", "email", "escalation_contact", "user"]
    search_fields = ["name", "email", "area"]


def may_edit_matrix(user) -> bool:
    """Integration admins edit the matrix; business owners only read it."""
    return user.has_perm("ownership.change_fieldownership")


@admin.register(FieldOwnership)
class FieldOwnershipAdmin(ImportExportMixin, SimpleHistoryAdmin):
    list_display = ["entity", "field", "owner_system", "enforcement", "business_owner"]
    list_filter = ["entity", "owner_system", "enforcement"]
    search_fields = ["entity", "field"]
    resource_classes = [FieldOwnershipResource]
    formats = [base_formats.CSV, base_formats.XLSX]
    import_export_change_list_template = "admin/ownership/fieldownership/change_list.html"
    change_form_template = "admin/ownership/fieldownership/change_form.html"
    object_history_form_template = "admin/ownership/fieldownership/object_history_form.html"

    def get_urls(self):
        matrix = path(
            "matrix/",
            self.admin_site.admin_view(self.matrix_view),
            name="ownership_fieldownership_matrix",
        )
        return [matrix, *super().get_urls()]

    def matrix_view(self, request):
        """Entities down, systems across; editors get a link to each row's editor."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        if request.method != "GET":
            # Nothing is edited here; a read-only user's POST is refused like any other edit.
            if not may_edit_matrix(request.user):
                raise PermissionDenied
            return HttpResponseNotAllowed(["GET"])
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Field-ownership matrix",
            "grid": ownership_matrix_grid(),
            "legend": ROLE_LEGEND,
            "may_edit": may_edit_matrix(request.user),
            "may_import": self.has_import_permission(request),
        }
        return TemplateResponse(request, "admin/ownership/fieldownership/matrix.html", context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = field_ownership_form(list(System.objects.order_by("code")))
        # As ModelAdmin does for self.form: read-only fields leave the form.
        readonly = self.get_readonly_fields(request, obj)
        hidden = dict.fromkeys(name for name in readonly if name in form.declared_fields)
        kwargs["form"] = type(form.__name__, (form,), hidden)
        return super().get_form(request, obj, change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if may_edit_matrix(request.user):
            roles = [role_field_name(system) for system in System.objects.order_by("code")]
        else:
            roles = ["roles"]
        return [
            (None, {"fields": ["entity", "field"]}),
            ("Role of each system", {"fields": roles, "description": ROLE_LEGEND}),
            ("Who decides", {"fields": ROW_FIELDS[2:]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        if not may_edit_matrix(request.user):
            # All of it, also on simple_history's version screen, otherwise an open form.
            return ["entity", "field", "roles", *ROW_FIELDS[2:]]
        # A row never moves to another field: that would leave its field without an owner.
        return ["entity", "field"] if obj is not None else []

    @admin.display(description="Roles")
    def roles(self, obj) -> str:
        systems = System.objects.order_by("code")
        cells = [(system.code, ownership_roles(obj, system)) for system in systems]
        return " · ".join(f"{code} {letters}" for code, letters in cells if letters)

    def save_model(self, request, obj, form, change):
        record = getattr(obj, SIMPLE_HISTORY_REVERSE_ATTR_NAME, None)
        reason = (
            f"Reverted to the version of {record.history_date:%Y-%m-%d %H:%M:%S}" if record else ""
        )
        ownership_rule_save(actor=request.user, spec=form.spec(), rule=obj, reason=reason)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple_history lets anyone who may view history POST a revert; only editors may.
        if request.method == "POST" and not self.has_change_permission(request):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ValidationFailed as refused:
            self.message_user(request, refused.message, messages.ERROR)
            url = reverse("admin:ownership_fieldownership_change", args=[object_id])
            return HttpResponseRedirect(url)

    def delete_model(self, request, obj):
        ownership_rule_delete(actor=request.user, rule=obj)

    def get_actions(self, request):
        # Bulk delete would bypass the per-row refusal; rows are deleted one at a time.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_import_permission(self, request):
        return may_edit_matrix(request.user)
