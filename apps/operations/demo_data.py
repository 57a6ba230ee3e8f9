"""Loads the demo cast and reference data from fixtures/demo/seed.json; safe to run again."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group, Permission, User
from django.db import transaction
from django.db.models import Count, DateTimeField, ExpressionWrapper, F
from django.utils import timezone
from django.utils.dateparse import parse_duration

from apps.accounts.models import AccountEntitlement, CompanyAccount
from apps.catalog.models import Product, UnitConversion
from apps.core.errors import InvalidTransition, NotFound
from apps.flows.models import Flow
from apps.monitoring.seed import monitoring_seed
from apps.ownership.models import BusinessOwner, FieldOwnership
from apps.ownership.registry import ENTITIES
from apps.ownership.services import RuleSpec, ownership_rule_save
from apps.pricing.models import ContractPrice
from apps.quarantine.models import QuarantineItem
from apps.quarantine.selectors import WAITING
from apps.systems.models import System

SEED_FILE = settings.BASE_DIR / "fixtures" / "demo" / "seed.json"
VIEW_MODELS = [
    "order",
    "orderline",
    "quarantineitem",
    "alert",
    "envelope",
    "delivery",
    "fieldownership",
    "businessowner",
    "companyaccount",
    "product",
    "contractprice",
    "flow",
    "system",
    "alertrule",
    "runbook",
    "runbookversion",
    "schemachange",
    "reconciliationrun",
]
FLOW_FIELDS = [
    "name",
    "build_status",
    "pattern",
    "schedule",
    "schedule_description",
    "queue",
    "degraded_mode",
    "backoff_base_seconds",
    "backoff_max_seconds",
    "max_attempts",
    "runbook",
]
GROUP_PERMS = {
    "business owners": ["view_" + m for m in VIEW_MODELS] + ["change_quarantineitem"],
    "approvers": ["view_" + m for m in VIEW_MODELS] + ["change_quarantineitem", "approve_replay"],
    "auditors": ["view_" + m for m in VIEW_MODELS],
}
ROLE_GROUP = {
    "pricing owner": "business owners",
    "order desk owner": "business owners",
    "catalog owner": "business owners",
    "credit owner": "business owners",
    "finance owner": "business owners",
    "logistics owner": "business owners",
    "approver": "approvers",
    "auditor": "auditors",
}


@transaction.atomic
def seed_demo(*, hub_url: str, path: Path = SEED_FILE) -> dict:
    """Create or refresh the demo data; systems point at the sandbox under `hub_url`."""
    data = json.loads(path.read_text())
    systems = _systems(data["systems"], hub_url)
    owners = _people(data["people"], data["password"])
    _matrix(data["matrix"], systems, owners)
    _flows(data["flows"], systems, owners)
    _accounts(data["accounts"], systems)
    products = _products(data["products"])
    _conversions(data["unit_conversions"], systems)
    _prices(data["contract_prices"], products, systems["erp"])
    monitoring_seed()
    return {
        "systems": len(systems),
        "people": len(data["people"]),
        "matrix_rows": len(data["matrix"]),
        "products": len(products),
        "password": data["password"],
    }


def _systems(rows, hub_url):
    systems = {}
    for row in rows:
        systems[row["code"]], _ = System.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "kind": row["kind"],
                "base_url": hub_url.rstrip("/") + row["path"],
                "auth_token": row.get("auth_token", ""),
            },
        )
    return systems


def _people(rows, password):
    groups = _groups()
    owners = {}
    for row in rows:
        user, _ = User.objects.get_or_create(username=row["username"])
        user.email, user.first_name = row["email"], row["name"]
        user.is_staff, user.is_superuser = True, row.get("superuser", False)
        user.set_password(password)
        user.save()
        if row["role"] in ROLE_GROUP:
            user.groups.set([groups[ROLE_GROUP[row["role"]]]])
        owners[row["username"]], _ = BusinessOwner.objects.update_or_create(
            user=user,
            defaults={
                "name": row["name"],
                "email": row["email"],
                "area": row["role"],
                "escalation_contact": row.get("escalation", ""),
            },
        )
    return owners


def _groups():
    groups = {}
    for name, codenames in GROUP_PERMS.items():
        groups[name], _ = Group.objects.get_or_create(name=name)
        groups[name].permissions.set(Permission.objects.filter(codename__in=codenames))
    return groups


def _matrix(rows, systems, owners):
    """One matrix row per registry field; an entry without `fields` covers the whole entity."""
    for row in rows:
        for field in row.get("fields") or ENTITIES[row["entity"]].fields:
            _matrix_row(row, field, systems, owners)


def _matrix_row(row, field, systems, owners):
    # Through the matrix service, so the seed obeys the same one-owner rules as an admin edit.
    spec = RuleSpec(
        entity=row["entity"],
        field=field,
        owner_systems=[systems[row["owner"]]],
        may_create=[systems[c] for c in row["create"]],
        may_update=[systems[c] for c in row["update"]],
        consumers=[systems[c] for c in row["consumers"]],
        enforcement=row["enforcement"],
        business_owner=owners[row["business_owner"]],
    )
    existing = FieldOwnership.objects.filter(entity=row["entity"], field=field).first()
    ownership_rule_save(actor=None, spec=spec, rule=existing, reason="Seeded demo matrix")


def _flows(rows, systems, owners):
    """The catalog: every flow DESIGN.md ships, built or not, with its schedule and policies."""
    for row in rows:
        Flow.objects.update_or_create(
            code=row["code"],
            defaults={
                "source_system": systems.get(row["source"]),
                "target_system": systems.get(row["target"]),
                "owner": owners[row["owner"]],
                "freshness_sla": parse_duration(row["freshness_sla"]),
                # How long a quarantined item of the flow may wait; a day unless seeded.
                "resolution_sla": parse_duration(row.get("resolution_sla") or "1 00:00:00"),
                "retry_window": parse_duration(row["retry_window"]),
                **{field: row[field] for field in FLOW_FIELDS},
            },
        )


def _accounts(rows, systems):
    for row in rows:
        parent = CompanyAccount.objects.get(number=row["parent"]) if row.get("parent") else None
        account, _ = CompanyAccount.objects.update_or_create(
            number=row["number"], defaults={"name": row["name"], "parent": parent}
        )
        for code in row["entitled"]:
            AccountEntitlement.objects.get_or_create(system=systems[code], account=account)


def _products(rows):
    return {
        row["sku"]: Product.objects.update_or_create(
            sku=row["sku"], defaults={"name": row["name"], "uom": row["uom"]}
        )[0]
        for row in rows
    }


def _conversions(rows, systems):
    for row in rows:
        UnitConversion.objects.update_or_create(
            system=systems[row["system"]],
            external_code=row["code"],
            product=None,
            defaults={"canonical_uom": row["canonical_uom"], "factor": row["factor"]},
        )


def _prices(rows, products, erp):
    for row in rows:
        ContractPrice.objects.update_or_create(
            account=CompanyAccount.objects.get(number=row["account"]),
            product=products[row["sku"]],
            valid_from=date(2026, 1, 1),
            defaults={
                "unit_price": row["unit_price"],
                "contract_number": row["contract"],
                "authorised_by": erp,
                "currency": "USD",
                "uom": "EA",
            },
        )


def demo_queue_counts() -> dict[str, int]:
    """Waiting quarantine items per reason code, and how many are overdue, for the story."""
    waiting = QuarantineItem.objects.filter(status__in=WAITING)
    counts = dict(
        waiting.values("reason_code").annotate(n=Count("pk")).values_list("reason_code", "n")
    )
    due = ExpressionWrapper(F("created_at") + F("flow__resolution_sla"), DateTimeField())
    overdue = waiting.annotate(due_at=due).filter(due_at__lt=timezone.now()).count()
    return {**counts, "overdue": overdue}


@transaction.atomic
def demo_queue_age(*, subject_key: str) -> QuarantineItem:
    """Demo data only: date one item back a day past its flow's SLA, so one shows overdue."""
    if not settings.DEBUG:
        raise InvalidTransition("Ageing a quarantine item is for the demo (DEBUG) only.")
    item = QuarantineItem.objects.select_related("flow").filter(subject_key=subject_key).first()
    if item is None:
        raise NotFound(f"No quarantine item for {subject_key}.")
    opened = timezone.now() - item.flow.resolution_sla - timedelta(days=1)
    QuarantineItem.objects.filter(pk=item.pk).update(created_at=opened)
    return item
