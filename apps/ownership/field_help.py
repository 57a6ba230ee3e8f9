"""Answers "who may change this, and who decides" on any admin screen that shows a field."""

from __future__ import annotations

from apps.ownership.selectors import ownership_matrix


class OwnershipPanelMixin:
    """Admin mixin: the change form lists, per field, its owner system and decider."""

    ownership_entities: list[str] = []
    change_form_template = "admin/ownership_panel_change_form.html"

    def render_change_form(self, request, context, *args, **kwargs):
        context["ownership_rows"] = ownership_matrix().filter(entity__in=self.ownership_entities)
        return super().render_change_form(request, context, *args, **kwargs)
