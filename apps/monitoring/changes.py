"""Schema and mapping versions: a change is held as pending until the flow's owner reviews it.

Whoever edits a flow's schema_version or mapping_version (the admin, a shell, a service), the
flow keeps its active version; a pending SchemaChange lists what the change would reach, and
only `schema_change_review` by the flow's owner (or an integration admin) makes it active.
"""

from __future__ import annotations

from pathlib import Path

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.core.errors import InvalidTransition, PermissionRefused, ValidationFailed
from apps.exchange.models import Envelope
from apps.flows import schemas
from apps.flows.models import Flow
from apps.monitoring.choices import ChangeField, ChangeStatus
from apps.monitoring.models import SchemaChange

SCHEMA_DIR = Path(schemas.__file__).parent


def change_impact(*, flow: Flow) -> dict:
    """Downstream flows, partners and owners a change to `flow`'s documents reaches.

    Downstream: flows that read from this flow's target (they consume what it writes) or
    write to the same target (they share its schema there). Partners: both ends, the
    downstream flows' ends, and every partner that has sent this flow a payload.
    """
    downstream = []
    if flow.target_system_id:
        target = flow.target_system_id
        downstream = list(
            Flow.objects.filter(is_active=True)
            .exclude(pk=flow.pk)
            .filter(Q(source_system_id=target) | Q(target_system_id=target))
            .select_related("owner", "source_system", "target_system")
        )
    systems = {s for s in (flow.source_system, flow.target_system) if s}
    for other in downstream:
        systems |= {s for s in (other.source_system, other.target_system) if s}
    senders = Envelope.objects.filter(flow=flow).values_list("partner__code", flat=True)
    partners = sorted({s.code for s in systems} | set(senders.distinct()))
    owners = {flow.owner.email: flow.owner.name}
    owners |= {other.owner.email: other.owner.name for other in downstream}
    return {
        "downstream_flows": sorted(other.code for other in downstream),
        "partners": partners,
        "owners": [{"name": name, "email": email} for email, name in sorted(owners.items())],
    }


def schema_change_hold(*, flow: Flow) -> list[SchemaChange]:
    """Called as a flow is saved: keep its active versions, open a pending change instead."""
    approved = getattr(flow, "_approved_change", None)
    active = Flow.objects.filter(pk=flow.pk).values(*ChangeField.values).first()
    if active is None:
        return []
    held = []
    for name in ChangeField.values:
        wanted, current = getattr(flow, name), active[name]
        if wanted == current or (approved and approved.field == name):
            continue
        setattr(flow, name, current)
        held.append(
            schema_change_request(
                flow=flow, field=name, to_version=wanted, actor=getattr(flow, "_history_user", None)
            )
        )
    return held


def schema_change_request(*, flow: Flow, field: str, to_version: str, actor) -> SchemaChange:
    """Open (or refresh) the pending change of one field, with its impact list."""
    current = Flow.objects.values_list(field, flat=True).get(pk=flow.pk)
    change, _ = SchemaChange.objects.update_or_create(
        flow=flow,
        field=field,
        status=ChangeStatus.PENDING,
        defaults={
            "from_version": current,
            "to_version": to_version,
            "impact": change_impact(flow=flow),
            "requested_by": actor,
        },
    )
    return change


def may_review(*, change: SchemaChange, user) -> bool:
    return user.is_superuser or change.flow.owner.user_id == user.pk


@transaction.atomic
def schema_change_review(
    *, change: SchemaChange, actor, approve: bool, note: str = ""
) -> SchemaChange:
    """The flow owner's decision; approving makes the version active on the flow."""
    change = (
        SchemaChange.objects.select_for_update().select_related("flow__owner").get(pk=change.pk)
    )
    if change.status != ChangeStatus.PENDING:
        raise InvalidTransition(f"This change was already {change.get_status_display().lower()}")
    if not may_review(change=change, user=actor):
        raise PermissionRefused(
            f"Only the flow's owner ({change.flow.owner.name}) or an integration admin may "
            "review a schema or mapping change."
        )
    if approve:
        _schema_file_check(change)
    change.status = ChangeStatus.APPROVED if approve else ChangeStatus.REFUSED
    change.reviewed_by, change.reviewed_at, change.review_note = actor, timezone.now(), note
    change.save()
    if approve:
        flow = Flow.objects.get(pk=change.flow_id)
        setattr(flow, change.field, change.to_version)
        flow._approved_change = change
        flow._change_reason = f"{change.get_field_display()} {change.to_version} approved"
        flow.save()
    return change


def _schema_file_check(change: SchemaChange) -> None:
    """A flow validated against schema files cannot switch to a version that has no file."""
    if change.field != ChangeField.SCHEMA:
        return
    code = change.flow.code
    if not list(SCHEMA_DIR.glob(f"{code}-v*.json")):
        return
    if not (SCHEMA_DIR / f"{code}-v{change.to_version}.json").exists():
        raise ValidationFailed(
            f"There is no schema file {code}-v{change.to_version}.json: intake would refuse "
            "every payload. Add the file first, then approve."
        )
