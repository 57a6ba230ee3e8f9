"""The matrix as a CSV or XLSX file: export it, edit it, import it through the ownership services.

Columns: entity, field, owner_system (a system code), may_create, may_update, consumers
(comma-separated codes), enforcement, business_owner (username or email), escalation_contact.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Q
from import_export import resources, widgets
from import_export.fields import Field

from apps.core.errors import ValidationFailed
from apps.ownership.models import BusinessOwner, FieldOwnership
from apps.ownership.selectors import ownership_matrix
from apps.ownership.services import RuleSpec, ownership_rule_check, ownership_rule_save
from apps.systems.models import System

COLUMNS = [
    "entity",
    "field",
    "owner_system",
    "may_create",
    "may_update",
    "consumers",
    "enforcement",
    "business_owner",
    "escalation_contact",
]
SYSTEM_LISTS = ["may_create", "may_update", "consumers"]


class TextWidget(widgets.CharWidget):
    """A cell as trimmed text; XLSX gives None for an empty cell."""

    def clean(self, value, row=None, **kwargs):
        return "" if value is None else str(value).strip()


class BusinessOwnerWidget(widgets.Widget):
    """A business owner written as their login name, or their email if they have no login."""

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return value.user.username if value.user_id else value.email


def _text(name: str) -> Field:
    return Field(attribute=name, column_name=name, widget=TextWidget())


def _codes(name: str) -> Field:
    return Field(
        attribute=name,
        column_name=name,
        widget=widgets.ManyToManyWidget(System, separator=",", field="code"),
    )


class FieldOwnershipResource(resources.ModelResource):
    entity = _text("entity")
    field = _text("field")
    owner_system = Field(
        attribute="owner_system",
        column_name="owner_system",
        widget=widgets.ForeignKeyWidget(System, "code"),
    )
    may_create = _codes("may_create")
    may_update = _codes("may_update")
    consumers = _codes("consumers")
    enforcement = _text("enforcement")
    business_owner = Field(
        attribute="business_owner", column_name="business_owner", widget=BusinessOwnerWidget()
    )
    escalation_contact = _text("escalation_contact")

    class Meta:
        model = FieldOwnership
        fields = COLUMNS
        import_order = COLUMNS
        export_order = COLUMNS
        import_id_fields = ["entity", "field"]
        # Unchanged rows are left out of the preview and get no history record.
        skip_unchanged = True
        report_skipped = False

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seen: set[tuple[str, str]] = set()  # (entity, field) pairs met so far in the file
        self.spec: RuleSpec | None = None  # the row being imported, as import_instance read it

    def get_queryset(self):
        return ownership_matrix()

    def before_import(self, dataset, **kwargs):
        self.seen.clear()  # one resource may import twice: a dry run, then for real
        missing = [column for column in COLUMNS if column not in (dataset.headers or [])]
        if missing:
            raise ValidationFailed(f"The file lacks the columns {', '.join(missing)}.")

    def import_instance(self, instance, row, **kwargs):
        """Translate the row and check it against the matrix rules; refusals are row errors."""
        try:
            spec = rule_spec_from_row(row)
            if (spec.entity, spec.field) in self.seen:
                raise ValidationFailed(
                    f"{spec.name} appears twice in the file: it would have two owners."
                )
            self.seen.add((spec.entity, spec.field))
            ownership_rule_check(rule=None if instance._state.adding else instance, spec=spec)
        except ValidationFailed as refused:
            raise ValidationError(refused.message) from refused
        self.spec = spec

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if import_validation_errors or instance._state.adding:
            return False
        return _signature(self.spec) == _signature(_spec_of(original))

    def save_instance(self, instance, is_create, row, **kwargs):
        # During the preview this runs inside the transaction the dry run rolls back.
        reason = f"Imported from {kwargs.get('file_name') or 'a file'}"[:100]
        ownership_rule_save(actor=kwargs.get("user"), spec=self.spec, rule=instance, reason=reason)

    def save_m2m(self, instance, row, **kwargs):
        """Nothing left to do: ownership_rule_save has set the systems with the row."""


def rule_spec_from_row(row: dict) -> RuleSpec:
    """A row of the file as a RuleSpec; unknown system codes or people are refused."""
    entity, field = _cell(row, "entity"), _cell(row, "field")
    name = f"{entity}.{field}"
    lists = {column: _systems(row, column, name) for column in SYSTEM_LISTS}
    return RuleSpec(
        entity=entity,
        field=field,
        owner_systems=_systems(row, "owner_system", name),
        enforcement=_cell(row, "enforcement"),
        business_owner=_business_owner(_cell(row, "business_owner"), name),
        escalation_contact=_cell(row, "escalation_contact"),
        **lists,
    )


def _cell(row: dict, column: str) -> str:
    value = row.get(column)
    return "" if value is None else str(value).strip()


def _systems(row: dict, column: str, name: str) -> list[System]:
    codes = [code.strip() for code in _cell(row, column).split(",") if code.strip()]
    found = {system.code: system for system in System.objects.filter(code__in=codes)}
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise ValidationFailed(f"{name}: unknown system {', '.join(unknown)} in {column}.")
    return [found[code] for code in dict.fromkeys(codes)]


def _business_owner(value: str, name: str) -> BusinessOwner | None:
    if not value:
        return None
    matches = list(BusinessOwner.objects.filter(Q(user__username=value) | Q(email__iexact=value)))
    if len(matches) != 1:
        raise ValidationFailed(f"{name}: no one business owner has the login or email {value}.")
    return matches[0]


def _spec_of(rule: FieldOwnership) -> RuleSpec:
    return RuleSpec(
        entity=rule.entity,
        field=rule.field,
        owner_systems=[rule.owner_system],
        may_create=list(rule.may_create.all()),
        may_update=list(rule.may_update.all()),
        consumers=list(rule.consumers.all()),
        enforcement=rule.enforcement,
        business_owner=rule.business_owner,
        escalation_contact=rule.escalation_contact,
    )


def _signature(spec: RuleSpec) -> tuple:
    def codes(systems):
        return tuple(sorted(system.code for system in systems))

    return (
        codes(spec.owner_systems),
        *(codes(getattr(spec, column)) for column in SYSTEM_LISTS),
        spec.enforcement,
        spec.business_owner.pk if spec.business_owner else None,
        spec.escalation_contact,
    )
