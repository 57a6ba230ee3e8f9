"""Answers "who may change this, and who decides" on any admin screen that shows a field."""

from __future__ import annotations

from apps.ownership.models import FieldOwnership


def ownership_rows_for(*, entities: list[str]):
    """The matrix rows of some entities, with systems and owners loaded for display."""
    return (
        FieldOwnership.objects.filter(entity__in=entities)
        .select_related("owner_system", "business_owner")
        .prefetch_related("may_create", "may_update", "consumers")
        .order_by("entity", "field")
    )


class OwnershipPanelMixin:
    """Admin mixin: the change form lists, per field, its owner system and decider."""

    ownership_entities: list[str] = []
    change_form_template = "admin/ownership_panel_change_form.html"

    def render_change_form(self, request, context, *args, **kwargs):
        context["ownership_rows"] = ownership_rows_for(entities=self.ownership_entities)
        return super().render_change_form(request, context, *args, **kwargs)
