"""The matrix row editor: one row, its role per system, checked by the ownership services."""

from __future__ import annotations

from django import forms

from apps.core.errors import ValidationFailed
from apps.ownership.models import FieldOwnership
from apps.ownership.registry import ENTITIES
from apps.ownership.selectors import ownership_roles
from apps.ownership.services import RuleSpec, ownership_rule_check
from apps.systems.models import System

ROLES = [("O", "owner"), ("C", "create"), ("U", "update"), ("R", "read")]
ROW_FIELDS = ["entity", "field", "enforcement", "business_owner", "escalation_contact"]


def role_field_name(system: System) -> str:
    return f"roles_{system.code}"


class FieldOwnershipForm(forms.ModelForm):
    """Entity and field from the registry; per system a set of roles (O, C, U, R)."""

    # Callables: this module is imported (by the admin) before the entity apps register.
    entity = forms.ChoiceField(choices=lambda: [(name, name) for name in ENTITIES])
    field = forms.ChoiceField(
        choices=lambda: [(spec.name, [(f, f) for f in spec.fields]) for spec in ENTITIES.values()]
    )
    systems: list[System] = []

    class Meta:
        model = FieldOwnership
        fields = ROW_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and not self.instance._state.adding:
            for system in self.systems:
                self.initial[role_field_name(system)] = list(ownership_roles(self.instance, system))

    def spec(self) -> RuleSpec:
        """What the editor asks the row to say."""
        data = self.cleaned_data
        holders = {letter: [] for letter, _ in ROLES}
        for system in self.systems:
            for letter in data.get(role_field_name(system), []):
                holders[letter].append(system)
        return RuleSpec(
            entity=data.get("entity", self.instance.entity),
            field=data.get("field", self.instance.field),
            owner_systems=holders["O"],
            may_create=holders["C"],
            may_update=holders["U"],
            consumers=holders["R"],
            enforcement=data.get("enforcement", ""),
            business_owner=data.get("business_owner"),
            escalation_contact=data.get("escalation_contact", ""),
        )

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            rule = None if self.instance._state.adding else self.instance
            try:
                ownership_rule_check(rule=rule, spec=self.spec())
            except ValidationFailed as refused:
                raise forms.ValidationError(refused.message) from refused
        return cleaned

    def _get_validation_exclusions(self):
        # The model's one-row-per-field constraint is the services' "two owners" rule, whose
        # refusal names the field and its owner; Django's own message would only repeat it.
        return {*super()._get_validation_exclusions(), "entity", "field"}


def field_ownership_form(systems: list[System]) -> type[FieldOwnershipForm]:
    """The editor with one roles field per system; systems are data, so the form is built."""
    role_fields = {
        role_field_name(system): forms.MultipleChoiceField(
            label=system.code,
            choices=ROLES,
            required=False,
            widget=forms.CheckboxSelectMultiple(attrs={"class": "matrix-roles"}),
            help_text=system.name,
        )
        for system in systems
    }
    return type("FieldOwnershipRowForm", (FieldOwnershipForm,), {**role_fields, "systems": systems})
