"""Ownership decisions and the matrix's own rules: every registry field has exactly one owner."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef

from apps.core.errors import HubError, ValidationFailed
from apps.ownership.models import BusinessOwner, Enforcement, FieldOwnership, matrix_history
from apps.ownership.registry import entity_fields
from apps.systems.models import System


class OwnershipRuleMissing(HubError):
    code = "ownership_rule_missing"
    status = 500


@dataclass(frozen=True)
class WriteDecision:
    """What the matrix says of one write: allowed, or how a refused write is enforced."""

    rule: FieldOwnership
    allowed: bool

    @property
    def enforcement(self) -> str:
        return self.rule.enforcement

    @property
    def quarantines(self) -> bool:
        return not self.allowed and self.rule.enforcement == Enforcement.QUARANTINE


def ownership_rule(*, entity: str, field: str) -> FieldOwnership:
    """The matrix row for entity.field; a field with no row is a configuration error."""
    rule = (
        FieldOwnership.objects.select_related("owner_system", "business_owner")
        .filter(entity=entity, field=field)
        .first()
    )
    if rule is None:
        raise OwnershipRuleMissing(f"The ownership matrix has no row for {entity}.{field}.")
    return rule


def ownership_decide_write(*, entity: str, field: str, system, creating: bool) -> WriteDecision:
    """Decide whether `system` may write entity.field, per the matrix (one query)."""
    rule = _rules_for_writer(system, creating).filter(entity=entity, field=field).first()
    if rule is None:
        raise OwnershipRuleMissing(f"The ownership matrix has no row for {entity}.{field}.")
    return _decision(rule, system)


def ownership_decide_writes(*, entity: str, system, creating: bool) -> dict[str, WriteDecision]:
    """The matrix's decision for `system` writing each field of `entity`, read in one query.

    Read per write, never cached: a matrix change applies to the very next write, in every
    process. A field with no row has no decision; `ownership_decision_of` refuses it.
    """
    rules = _rules_for_writer(system, creating).filter(entity=entity)
    return {rule.field: _decision(rule, system) for rule in rules}


def ownership_decision_of(decisions: dict[str, WriteDecision], *, entity: str, field: str):
    """One field's decision from `ownership_decide_writes`; a field with no row is an error."""
    if field not in decisions:
        raise OwnershipRuleMissing(f"The ownership matrix has no row for {entity}.{field}.")
    return decisions[field]


@dataclass(frozen=True)
class WriterMatrix:
    """The matrix rows of one entity as one writer sees them, read in one query."""

    entity: str
    writer_pk: int
    rules: dict[str, FieldOwnership]

    def has_role(self) -> bool:
        """Whether the matrix gives the writer any role (owner, writer, consumer) here."""
        return any(
            self._owns(rule) or rule.writer_creates or rule.writer_updates or rule.writer_consumes
            for rule in self.rules.values()
        )

    def decide(self, *, field: str, creating: bool) -> WriteDecision:
        """The decision for one field; a field with no row is a configuration error."""
        rule = self.rules.get(field)
        if rule is None:
            raise OwnershipRuleMissing(
                f"The ownership matrix has no row for {self.entity}.{field}."
            )
        listed = rule.writer_creates if creating else rule.writer_updates
        return WriteDecision(rule=rule, allowed=self._owns(rule) or listed)

    def _owns(self, rule: FieldOwnership) -> bool:
        return rule.owner_system_id == self.writer_pk


def ownership_writer_matrix(*, entity: str, system) -> WriterMatrix:
    """Every matrix row of `entity` with `system`'s roles in it, in one query.

    Read per write, never cached: a matrix change applies to the very next write, in every
    process, and a write asks the matrix once, not once per field.
    """
    rules = FieldOwnership.objects.filter(entity=entity).select_related(
        "owner_system", "business_owner"
    )
    member = {"fieldownership_id": OuterRef("pk"), "system_id": system.pk}
    rules = rules.annotate(
        writer_creates=Exists(FieldOwnership.may_create.through.objects.filter(**member)),
        writer_updates=Exists(FieldOwnership.may_update.through.objects.filter(**member)),
        writer_consumes=Exists(FieldOwnership.consumers.through.objects.filter(**member)),
    )
    return WriterMatrix(
        entity=entity, writer_pk=system.pk, rules={rule.field: rule for rule in rules}
    )


def _rules_for_writer(system, creating: bool):
    # The writer's membership in may_create / may_update as a column of the row itself, so a
    # decision is one query, not a row read and then a membership read.
    writers = FieldOwnership.may_create if creating else FieldOwnership.may_update
    listed = writers.through.objects.filter(fieldownership_id=OuterRef("pk"), system_id=system.pk)
    return FieldOwnership.objects.select_related("owner_system", "business_owner").annotate(
        writer_listed=Exists(listed)
    )


def _decision(rule: FieldOwnership, system) -> WriteDecision:
    allowed = system.pk == rule.owner_system_id or rule.writer_listed
    return WriteDecision(rule=rule, allowed=allowed)


@dataclass(frozen=True)
class RuleSpec:
    """What one matrix row should say, as an editor or an import file states it.

    Owners are a sequence, not one system: the grid editor and import files can name none or
    several, and refusing that is the matrix's rule, so it is checked here and not by each
    interface.
    """

    entity: str
    field: str
    owner_systems: Sequence[System]
    may_create: Sequence[System] = ()
    may_update: Sequence[System] = ()
    consumers: Sequence[System] = ()
    enforcement: str = Enforcement.QUARANTINE
    business_owner: BusinessOwner | None = None
    escalation_contact: str = ""

    @property
    def name(self) -> str:
        return f"{self.entity}.{self.field}"


def ownership_rule_check(*, rule: FieldOwnership | None, spec: RuleSpec) -> None:
    """Raise ValidationFailed if saving `spec` (over `rule`, if any) breaks the matrix."""
    for problem in (_not_in_registry, _moves_away, _owner_count, _second_row, _owner_consumes):
        message = problem(rule, spec)
        if message:
            raise ValidationFailed(message)
    if spec.enforcement not in Enforcement.values:
        raise ValidationFailed(
            f"{spec.name}: enforcement must be one of {', '.join(Enforcement.values)}, "
            f"not {spec.enforcement!r}."
        )
    if spec.business_owner is None:
        raise ValidationFailed(f"{spec.name} needs a business owner who decides.")


def _not_in_registry(rule, spec: RuleSpec) -> str:
    if (spec.entity, spec.field) in _registered():
        return ""
    return f"{spec.name} is not a field in the registry; the matrix has rows for those only."


def _moves_away(rule, spec: RuleSpec) -> str:
    if not _saved(rule) or (rule.entity, rule.field) == (spec.entity, spec.field):
        return ""
    if (rule.entity, rule.field) not in _registered():
        return ""
    return f"Moving this row to {spec.name} would leave {rule.entity}.{rule.field} with no owner."


def _owner_count(rule, spec: RuleSpec) -> str:
    codes = sorted({system.code for system in spec.owner_systems})
    if not codes:
        return f"{spec.name} would have no owner: choose exactly one owner system."
    if len(codes) == 1:
        return ""
    count = "two" if len(codes) == 2 else str(len(codes))
    return (
        f"{spec.name} would have {count} owners ({', '.join(codes)}): "
        "choose exactly one owner system."
    )


def _second_row(rule, spec: RuleSpec) -> str:
    others = FieldOwnership.objects.filter(entity=spec.entity, field=spec.field)
    if _saved(rule):
        others = others.exclude(pk=rule.pk)
    other = others.select_related("owner_system").first()
    if other is None:
        return ""
    return (
        f"{spec.name} would have two owners: its matrix row already gives it to "
        f"{other.owner_system.code}. Edit that row instead of adding another."
    )


def _owner_consumes(rule, spec: RuleSpec) -> str:
    owner = spec.owner_systems[0]
    if owner not in spec.consumers:
        return ""
    return (
        f"{spec.name} would have two owners: {owner.code} is its owner and is also listed "
        "as a mere consumer. A system either owns a field or only reads it."
    )


def _registered() -> frozenset[tuple[str, str]]:
    # Read when asked: the entity apps fill the registry after this module is imported.
    return frozenset(entity_fields())


def _saved(rule: FieldOwnership | None) -> bool:
    return rule is not None and not rule._state.adding


@transaction.atomic
def ownership_rule_save(
    *,
    actor: AbstractBaseUser | None,
    spec: RuleSpec,
    rule: FieldOwnership | None = None,
    reason: str = "",
) -> FieldOwnership:
    """Create or change one matrix row (an unsaved `rule` is created) and record who did it."""
    ownership_rule_check(rule=rule, spec=spec)
    rule = rule if rule is not None else FieldOwnership()
    creating = rule._state.adding
    _write(rule, spec)
    rule._history_user = actor
    rule._change_reason = reason or None
    matrix_history.create_historical_record(rule, "+" if creating else "~")
    return rule


def _write(rule: FieldOwnership, spec: RuleSpec) -> None:
    # The history record is written once, after the M2M sets, so that it shows the whole
    # change; simple_history would otherwise record every save() and every M2M signal.
    rule.entity, rule.field = spec.entity, spec.field
    rule.owner_system = spec.owner_systems[0]
    rule.enforcement = spec.enforcement
    rule.business_owner = spec.business_owner
    rule.escalation_contact = spec.escalation_contact
    rule.skip_history_when_saving = True
    try:
        _save_row(rule, spec)
        rule.may_create.set(spec.may_create)
        rule.may_update.set(spec.may_update)
        rule.consumers.set(spec.consumers)
    finally:
        del rule.skip_history_when_saving


def _save_row(rule: FieldOwnership, spec: RuleSpec) -> None:
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError as race:
        # Another editor added the field's row between our check and this insert.
        message = f"{spec.name} would have two owners: another row was just added for it."
        raise ValidationFailed(message) from race


@transaction.atomic
def ownership_rule_delete(*, actor: AbstractBaseUser | None, rule: FieldOwnership) -> None:
    """Delete a matrix row; refused while its field is in the registry (it would be unowned)."""
    if (rule.entity, rule.field) in _registered():
        raise ValidationFailed(
            f"Deleting this row would leave {rule.entity}.{rule.field} with no owner. "
            "Give the field another owner system instead."
        )
    rule._history_user = actor
    rule.delete()
