"""Inbound writes of canonical records by any system, held to the ownership matrix per field.

A document is {"key": {...}, "fields": {...}, "external_id": "..."}. Each field the sender
does not own is either ignored (the owner's value stands, noted on the trace) or quarantined
for the field's business owner, as the matrix says.

A system writes only within its scope: entities the matrix gives it a role in, and records
of accounts it may see. Outside it, a record answers exactly as one that does not exist
(404, nothing queued for a person), and references to it are unknown; an answer never
carries another system's value.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder

from apps.accounts.selectors import account_visible_to
from apps.core.errors import NotFound, ValidationFailed
from apps.exchange.models import TraceOutcome
from apps.exchange.stages.intake import IntakeAnswer
from apps.exchange.stages.trace import Trail
from apps.ownership.models import BusinessOwner
from apps.ownership.registry import ENTITIES, RESOLVERS, EntitySpec, account_paths
from apps.ownership.services import WriterMatrix, ownership_rule, ownership_writer_matrix
from apps.quarantine.choices import ReasonCode
from apps.quarantine.services import quarantine_open
from apps.systems.models import ExternalReference

RECORD_FLOW = "record-sync"
EXTERNAL_ID_CHARACTERS = ExternalReference._meta.get_field("external_id").max_length


@dataclass
class WritePlan:
    """Per field: applied, ignored (owner's value stands) or quarantined (waits for a person)."""

    spec: EntitySpec
    key: dict
    key_text: str
    instance: object
    creating: bool
    writer: object
    apply: dict = field(default_factory=dict)
    ignored: list[dict] = field(default_factory=list)
    quarantined: list[dict] = field(default_factory=list)
    deciders: dict[str, int] = field(default_factory=dict)  # held field -> business owner pk
    # The entity's matrix rows as this writer sees them: read once, for scope and every field.
    matrix: WriterMatrix | None = None


def _spec(entity: str, writer) -> tuple[EntitySpec, WriterMatrix]:
    matrix = ownership_writer_matrix(entity=entity, system=writer) if entity in ENTITIES else None
    if matrix is None or not matrix.has_role():
        raise NotFound(f"No entity {entity[:60]!r} that you may write.", code="not_found")
    return ENTITIES[entity], matrix


def _not_found(spec: EntitySpec, key: dict) -> NotFound:
    # One answer for "absent" and "not yours", so a probe learns nothing about other partners.
    return NotFound(f"No {spec.name} {_key_text(key)[:200]} that you may write.", code="not_found")


def record_plan(*, entity: str, document, writer) -> WritePlan:
    """Decide, field by field, what the matrix lets `writer` change; writes nothing."""
    spec, matrix = _spec(entity, writer)
    key, fields = _shape(spec, document)
    resolved_key = _resolved_key(spec, key, writer)
    model = apps.get_model(spec.model)
    instance = model.objects.filter(**resolved_key).first()
    if instance is not None and not in_scope(instance, spec.account_path, writer):
        raise _not_found(spec, key)
    plan = WritePlan(
        spec=spec,
        key=resolved_key,
        key_text=_key_text(key),
        creating=instance is None,
        instance=instance or model(**resolved_key),
        writer=writer,
        matrix=matrix,
    )
    for name, sent in fields.items():
        _plan_field(plan, name, resolve_value(spec, name, sent, writer), sent, writer)
    if plan.creating and not plan.apply:
        raise _not_found(spec, key)  # it may not create the record: nothing to hold for anyone
    return plan


def _resolved_key(spec: EntitySpec, key: dict, writer) -> dict:
    # A key naming an account (or order) the writer cannot see names no record it may write.
    try:
        return {name: resolve_value(spec, name, value, writer) for name, value in key.items()}
    except ValidationFailed as exc:
        paths = account_paths()
        scoped = {name for name, (label, _) in spec.refs.items() if paths.get(label) is not None}
        if set(exc.fields) & scoped:
            raise _not_found(spec, key) from exc
        raise


def in_scope(instance, account_path: str | None, system) -> bool:
    """Whether the record belongs to an account `system` may see (or to no account)."""
    if account_path is None:
        return True
    account = instance
    for step in filter(None, account_path.split(".")):
        account = getattr(account, step, None)
    return account is None or account_visible_to(system=system, account=account)


def _shape(spec: EntitySpec, document) -> tuple[dict, dict]:
    if (
        not isinstance(document, dict)
        or not isinstance(document.get("key"), dict)
        or not isinstance(document.get("fields"), dict)
    ):
        raise ValidationFailed('Send {"key": {...}, "fields": {...}}.', code="malformed_record")
    key, fields = document["key"], document["fields"]
    errors = {}
    if set(key) != set(spec.key):
        errors["key"] = [f"{spec.name} is identified by {', '.join(spec.key)}."]
    unknown = sorted(set(fields) - set(spec.fields))
    if unknown:
        errors["fields"] = [f"Not fields of {spec.name}: {', '.join(unknown)[:500]}."]
    external_id = document.get("external_id", "")
    if not isinstance(external_id, str) or len(external_id) > EXTERNAL_ID_CHARACTERS:
        errors["external_id"] = [f"A string of at most {EXTERNAL_ID_CHARACTERS} characters."]
    if errors:
        raise ValidationFailed(f"The {spec.name} record is not valid.", fields=errors)
    return key, fields


def _key_text(key: dict) -> str:
    return "/".join(str(value) for value in key.values())


def resolve_value(spec: EntitySpec, name: str, value, writer):
    """A reference by natural key (and the sender's own codes) to the canonical row."""
    if name not in spec.refs:
        return _typed(spec, name, value)
    if value in (None, ""):
        return None
    label, key_field = spec.refs[name]
    found = _referenced(label, key_field, value, writer)
    if found is None or not in_scope(found, account_paths().get(label), writer):
        raise ValidationFailed(
            f"{name} {str(value)[:60]!r} is not known to the hub.",
            fields={name: [f"Unknown {label.split('.')[1]} {str(value)[:60]!r}."]},
        )
    return found


def _referenced(label: str, key_field: str, value, writer):
    if not isinstance(value, str | int):
        return None
    resolve = RESOLVERS.get(label)
    if resolve is not None:
        return resolve(writer, str(value))
    return apps.get_model(label).objects.filter(**{key_field: value}).first()


def _typed(spec: EntitySpec, name: str, value):
    # clean() also runs the column's validators (length, digits, choices), so a value the
    # database cannot hold is the same 400 on SQLite as on PostgreSQL.
    model_field = apps.get_model(spec.model)._meta.get_field(name)
    try:
        return model_field.clean(value, None)
    except ValidationError as exc:
        message = f"{name} {str(value)[:60]!r} is not valid."
        raise ValidationFailed(message, fields={name: exc.messages}) from exc


def _plan_field(plan: WritePlan, name: str, value, sent, writer) -> None:
    current = None if plan.creating else getattr(plan.instance, name)
    if not plan.creating and _same(current, value):
        return  # the sender's copy agrees with ours: nothing to decide
    decision = plan.matrix.decide(field=name, creating=plan.creating)
    if decision.allowed:
        plan.apply[name] = value
        return
    rule = decision.rule
    refused = {
        "field": name,
        "sent": _plain(sent),
        "current": _plain(current),
        "owner_system": rule.owner_system.code,
        "business_owner": rule.business_owner.name,
        "escalation_contact": rule.escalates_to,
        "writer": writer.code,
    }
    if decision.quarantines:
        plan.quarantined.append(refused)
        plan.deciders[name] = rule.business_owner_id
    else:
        plan.ignored.append(refused)


def _same(current, value) -> bool:
    if hasattr(current, "pk") or hasattr(value, "pk"):
        return getattr(current, "pk", current) == getattr(value, "pk", value)
    return current == value


def _plain(value):
    """A value as JSON keeps it (decimals and dates as text, rows by their string)."""
    if hasattr(value, "pk"):
        return str(value)
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def record_apply(plan: WritePlan, document: dict, writer, flow, trail: Trail) -> IntakeAnswer:
    trail.subject_is(plan.spec.name, plan.key_text)
    duplicate = _duplicate_of(plan)
    if duplicate is not None:
        return _hold_duplicate(plan, document, flow, duplicate, trail)
    trail.record(
        "validate",
        _verdict_message(plan),
        data={"ignored": plan.ignored, "quarantined": plan.quarantined},
        outcome=TraceOutcome.NOTE if plan.ignored or plan.quarantined else TraceOutcome.OK,
    )
    applied = record_write(plan=plan) if plan.apply else False
    if applied and document.get("external_id"):
        ExternalReference.objects.update_or_create(
            system=writer,
            entity=plan.spec.name,
            external_id=document["external_id"],
            defaults={"canonical_key": plan.key_text},
        )
    if plan.quarantined:
        _quarantine_fields(plan, document, flow, trail)
    return IntakeAnswer(_status(plan, applied), _answer(plan, applied), plan.key_text)


def record_write(*, plan: WritePlan, actor=None) -> bool:
    """Save the allowed fields through the entity app's upsert service (which writes history).

    False when nothing may be created. `actor` is the person who approved a replay, if any;
    the writing system is named in the history's change reason.
    """
    if plan.creating and not plan.apply:
        return False
    stamps = dict.fromkeys(plan.spec.stamps, plan.writer) if plan.creating else {}
    plan.instance = plan.spec.write(
        key=plan.key,
        values={**stamps, **plan.apply},
        actor=actor,
        reason=f"{RECORD_FLOW} from {plan.writer.code}",
    )
    return True


def _verdict_message(plan: WritePlan) -> str:
    parts = [f"applied {', '.join(plan.apply) or 'nothing'}"]
    parts += [
        f"ignored {r['field']} (owner {r['owner_system']}; its value stands)" for r in plan.ignored
    ]
    parts += [f"quarantined {r['field']} for {r['business_owner']}" for r in plan.quarantined]
    return "; ".join(parts) + "."


def _quarantine_fields(plan: WritePlan, document: dict, flow, trail: Trail) -> None:
    """One item per business owner: each decides only the fields the matrix gives them."""
    by_owner: dict[int, list[dict]] = {}
    for refused in plan.quarantined:
        by_owner.setdefault(plan.deciders[refused["field"]], []).append(refused)
    owners = BusinessOwner.objects.in_bulk(list(by_owner))
    for owner_pk, problems in by_owner.items():
        owner = owners[owner_pk]
        item = quarantine_open(
            flow=flow,
            reason_code=ReasonCode.OWNERSHIP_REFUSED,
            subject_type=plan.spec.name,
            subject_key=plan.key_text,
            payload=document,
            problems=problems,
            owner=owner,
            message=f"{len(problems)} field(s) written by a system that does not own them.",
        )
        trail.record(
            "quarantine",
            f"Quarantined for {owner.name}: {item.message}",
            outcome=TraceOutcome.FAILED,
            data={"quarantine_item": item.pk, "fields": [p["field"] for p in problems]},
        )


def _duplicate_of(plan: WritePlan):
    if plan.spec.duplicate_of is None or not plan.creating:
        return None
    return plan.spec.duplicate_of(plan.apply)


def _hold_duplicate(plan: WritePlan, document: dict, flow, duplicate, trail: Trail) -> IntakeAnswer:
    """Never merge silently: the owner of company accounts decides."""
    candidate, reason = duplicate
    # The entity's first field's decider owns the question "is this the same record?".
    owner = ownership_rule(entity=plan.spec.name, field=plan.spec.fields[0]).business_owner
    problem = {
        "code": ReasonCode.POSSIBLE_DUPLICATE.value,
        "candidate": candidate.number,
        "reason": reason,
        "candidate_name": candidate.name,
        "writer": plan.writer.code,
    }
    item = quarantine_open(
        flow=flow,
        reason_code=ReasonCode.POSSIBLE_DUPLICATE,
        subject_type=plan.spec.name,
        subject_key=plan.key_text,
        payload=document,
        problems=[problem],
        owner=owner,
        message=f"Possible duplicate of {candidate.number} {candidate.name} ({reason}).",
    )
    trail.record(
        "quarantine",
        f"Held for {owner.name}: {item.message}",
        outcome=TraceOutcome.FAILED,
        data=problem,
    )
    body = {"entity": plan.spec.name, "key": plan.key_text, "created": False, "applied": []}
    if account_visible_to(system=plan.writer, account=candidate):
        body.update(possible_duplicate_of=candidate.number, reason=reason)
    else:
        body["held"] = "Held for review as a possible duplicate of an existing company."
    return IntakeAnswer(202, body, plan.key_text)


def _status(plan: WritePlan, applied: bool) -> int:
    if plan.quarantined:
        return 202
    return 201 if applied and plan.creating else 200


def _answer(plan: WritePlan, applied: bool) -> dict:
    return {
        "entity": plan.spec.name,
        "key": plan.key_text,
        "created": applied and plan.creating,
        "applied": sorted(plan.apply) if applied else [],
        "ignored": [_told(refused) for refused in plan.ignored],
        "quarantined": [_told(refused) for refused in plan.quarantined],
    }


def _told(refused: dict) -> dict:
    """A refused field as the writer is told it: the stored value stays with the owner."""
    return {name: value for name, value in refused.items() if name != "current"}
