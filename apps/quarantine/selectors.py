"""Reads for the work queue: which items a view shows, what each holds up, and its groups.

Every row is built from one query for the items (flow, systems, owner, assignee joined) and
one for the customers they name, however many rows there are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.db.models import Count, DateTimeField, ExpressionWrapper, F, Min, Q, QuerySet
from django.utils import timezone

from apps.accounts.models import CompanyAccount
from apps.ownership.models import BusinessOwner
from apps.quarantine.models import QuarantineItem, QuarantineStatus, team_areas
from apps.quarantine.reasons import reason_spec

WAITING = [QuarantineStatus.OPEN, QuarantineStatus.AWAITING_APPROVAL]
VIEWS = {
    "all": "Everything waiting",
    "mine": "Mine",
    "team": "My team's",
    "unassigned": "Unassigned",
    "overdue": "Overdue",
}
STATUSES = {"waiting": WAITING, **{s.value: [s.value] for s in QuarantineStatus}}
SORTS = {"age": "created_at", "-age": "-created_at", "due": "due_at"}


@dataclass(frozen=True)
class QueueQuery:
    """What the person asked the queue for; every part is optional and plain text."""

    view: str = "all"
    flow: str = ""
    reason: str = ""
    owner: str = ""
    status: str = "waiting"
    cause: str = ""
    sort: str = "age"
    q: str = ""  # a business object's key, or words of the item's message

    @classmethod
    def from_params(cls, params) -> QueueQuery:
        values = {name: params.get(name, "") for name in cls.__dataclass_fields__}
        query = cls(**{k: v for k, v in values.items() if v})
        if query.view not in VIEWS or query.status not in STATUSES or query.sort not in SORTS:
            return cls(flow=query.flow, reason=query.reason, owner=query.owner, q=query.q)
        return query


@dataclass
class Effect:
    """What an item holds up in business terms."""

    value: Decimal | None = None
    currency: str = ""
    lines: int = 0
    skus: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        parts = []
        if self.value is not None:
            parts.append(f"{self.currency} {self.value:,.2f} held".strip())
        if self.lines:
            parts.append(f"{self.lines} line{'s' if self.lines != 1 else ''}")
        if self.skus:
            parts.append(f"SKU {', '.join(self.skus[:3])}{' …' if len(self.skus) > 3 else ''}")
        return " · ".join(parts) or "one record held"


@dataclass
class QueueRow:
    item: QuarantineItem
    customer: str
    reason: str
    effect: Effect
    age: timedelta
    overdue: bool
    can_act: bool


def queue_items(*, user, query: QueueQuery, now: datetime | None = None) -> QuerySet:
    """The items a view shows, with what the rows need joined in one query."""
    now = now or timezone.now()
    items = QuarantineItem.objects.select_related(
        "flow__source_system", "flow__target_system", "assigned_owner", "assignee"
    ).annotate(
        due_at=ExpressionWrapper(
            F("created_at") + F("flow__resolution_sla"), output_field=DateTimeField()
        )
    )
    items = items.filter(status__in=STATUSES[query.status])
    items = _in_view(items, user=user, view=query.view, now=now)
    if query.q:
        items = items.filter(Q(subject_key__icontains=query.q) | Q(message__icontains=query.q))
    for name, lookup in (
        ("flow", "flow__code"),
        ("reason", "reason_code"),
        ("owner", "assigned_owner_id"),
        ("cause", "cause"),
    ):
        if getattr(query, name):
            items = items.filter(**{lookup: getattr(query, name)})
    return items.order_by(SORTS[query.sort], "pk")


def _in_view(items: QuerySet, *, user, view: str, now: datetime) -> QuerySet:
    if view == "mine":
        return items.filter(Q(assignee=user) | Q(assignee__isnull=True, assigned_owner__user=user))
    if view == "team":
        return items.filter(assigned_owner__area__in=team_areas(user))
    if view == "unassigned":
        return items.filter(assignee__isnull=True)
    if view == "overdue":
        return items.filter(due_at__lt=now)
    return items


def queue_rows(*, user, items, now: datetime | None = None) -> list[QueueRow]:
    """One row per item: customer, plain reason, business effect, age against the SLA."""
    now = now or timezone.now()
    items = list(items)
    names = _customer_names(items)
    return [
        QueueRow(
            item=item,
            customer=_customer(item, names),
            reason=reason_spec(item.reason_code).plain,
            effect=effect_of(item),
            age=now - item.created_at,
            overdue=item.created_at + item.flow.resolution_sla < now,
            can_act=item.is_owned_by(user),
        )
        for item in items
    ]


def _customer_keys(item: QuarantineItem) -> list[str]:
    # Where documents of any flow name the company they are about, most specific first.
    payload = item.payload if isinstance(item.payload, dict) else {}
    nested = [payload.get("key"), payload.get("fields")]
    keys = [payload.get("account"), payload.get("customer")]
    keys += [part.get("account") for part in nested if isinstance(part, dict)]
    keys.append(item.subject_key)
    return [str(k) for k in keys if isinstance(k, str | int) and k]


def _customer_names(items: list[QuarantineItem]) -> dict[str, str]:
    keys = {key for item in items for key in _customer_keys(item)}
    if not keys:
        return {}
    return dict(CompanyAccount.objects.filter(number__in=keys).values_list("number", "name"))


def _customer(item: QuarantineItem, names: dict[str, str]) -> str:
    for key in _customer_keys(item):
        if key in names:
            return f"{key} {names[key]}"
    return ""


def effect_of(item: QuarantineItem) -> Effect:
    """Order value held, lines affected and SKUs named, read from the item's own document."""
    payload = item.payload if isinstance(item.payload, dict) else {}
    lines = [line for line in payload.get("lines") or [] if isinstance(line, dict)]
    problems = [p for p in item.problems if isinstance(p, dict)]
    numbered = {p["line_number"] for p in problems if p.get("line_number") is not None}
    skus = {p["sku"] for p in problems if p.get("sku")}
    if not skus and lines:
        skus = {str(line.get("sku") or line.get("item")) for line in lines}
    return Effect(
        value=_value(lines),
        currency=str(payload.get("currency", "")),
        lines=len(numbered) or len(lines),
        skus=sorted(skus - {"None"}),
    )


def _value(lines: list[dict]) -> Decimal | None:
    try:
        total = sum(
            (Decimal(str(line["quantity"])) * Decimal(str(line["unit_price"])) for line in lines),
            Decimal(0),
        )
    except (KeyError, InvalidOperation, TypeError):
        return None
    return total if lines else None


def queue_groups(items: QuerySet) -> list[dict]:
    """Items sharing a cause, biggest group first: one fix each."""
    return list(
        items.order_by()
        .values("cause", "reason_code", "flow__code", "assigned_owner__name")
        .annotate(count=Count("pk"), oldest=Min("created_at"))
        .order_by("-count", "oldest")
    )


def queue_owners() -> QuerySet:
    """The business owners who own items: the owner filter lists them, not every login."""
    return BusinessOwner.objects.filter(
        pk__in=QuarantineItem.objects.values("assigned_owner")
    ).order_by("name")


def team_users(item: QuarantineItem):
    """The logins that may act on the item: its owner's team (for assigning)."""
    return get_user_model().objects.filter(
        businessowner__area=item.assigned_owner.area, is_active=True
    )
