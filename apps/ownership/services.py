"""Ownership decisions: the matrix answers whether a system's write to a field stands."""

from __future__ import annotations

from dataclasses import dataclass

from apps.core.errors import HubError
from apps.ownership.models import Enforcement, FieldOwnership


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
    """Decide whether `system` may write entity.field, per the matrix."""
    rule = ownership_rule(entity=entity, field=field)
    return WriteDecision(rule=rule, allowed=rule.may_write(system, creating=creating))
