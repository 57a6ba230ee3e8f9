"""Entity admin screens answer "who may change this, and who decides", and respect the answer.

Every field the registry lists for an entity has a matrix row naming the outside system that
owns it, and the hub's admin is none of those systems: on the change form those fields are
read-only (change them in the owning system, or through quarantine), and so are the stamps
the hub sets from the writing system. A record's key never changes by hand. Records of
registered entities are not created by hand either: every required field is owned by some
system, and a record the owner never authorised is what the matrix exists to prevent; they
arrive through record sync, the flows or `seed_demo`. What stays editable (fields no system
owns) is saved through the entity app's upsert service, with the person in its history.
"""

from __future__ import annotations

from apps.ownership.registry import EntitySpec, entities_of_model
from apps.ownership.selectors import ownership_matrix

ADMIN_REASON = "Changed in the admin"


class OwnershipPanelMixin:
    """Admin mixin for a registered entity's model: panel, read-only owned fields, service saves."""

    # Matrix rows shown in the panel (an order's page also shows its lines' rows).
    ownership_entities: list[str] = []
    change_form_template = "admin/ownership_panel_change_form.html"

    def ownership_specs(self) -> list[EntitySpec]:
        return entities_of_model(self.model._meta.label)

    def owned_fields(self) -> list[str]:
        """Fields the matrix gives to a system, and the stamps the hub sets on create."""
        names = [name for spec in self.ownership_specs() for name in (*spec.fields, *spec.stamps)]
        return list(dict.fromkeys(names))

    def get_readonly_fields(self, request, obj=None):
        readonly = [*super().get_readonly_fields(request, obj), *self.owned_fields()]
        if obj is not None:
            readonly += [name for spec in self.ownership_specs() for name in spec.key]
        return list(dict.fromkeys(readonly))

    def has_add_permission(self, request):
        return not self.ownership_specs() and super().has_add_permission(request)

    def save_model(self, request, obj, form, change):
        specs = self.ownership_specs()
        if not specs:
            return super().save_model(request, obj, form, change)
        spec = specs[0]  # every entity of one model shares its key and its service
        columns = {field.name for field in self.model._meta.concrete_fields}
        # From the form, not from `obj`: on simple_history's revert screen `obj` is the old
        # version whole, owned fields included, and those must not be written back.
        values = {
            name: value
            for name, value in form.cleaned_data.items()
            if name in columns and name not in spec.key
        }
        key = {name: getattr(obj, name) for name in spec.key}
        spec.write(key=key, values=values, actor=request.user, reason=ADMIN_REASON)

    def render_change_form(self, request, context, *args, **kwargs):
        context["ownership_rows"] = ownership_matrix().filter(entity__in=self.ownership_entities)
        return super().render_change_form(request, context, *args, **kwargs)
