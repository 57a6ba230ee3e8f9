"""Trace search: from whatever a person has (order number, SKU, account, payload id or trace
id) to the business objects the hub traced, each linking to its trace page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Max
from django.urls import reverse

from apps.exchange.models import Envelope, TraceEvent
from apps.orders.models import Order

LIMIT = 50


@dataclass(frozen=True)
class Match:
    subject_type: str
    subject_key: str
    why: str
    last_seen: datetime | None

    @property
    def url(self) -> str:
        return reverse("operations:trace", args=[self.subject_type, self.subject_key])


def trace_search(q: str) -> list[Match]:
    """Subjects whose key, SKU, account, envelope or trace id is `q`, newest first."""
    q = q.strip()
    if not q:
        return []
    found: dict[tuple[str, str], str] = {}
    for why, subjects in (
        ("its own key", _by_key(q)),
        ("traced under this trace id", _by_trace_id(q)),
        ("its payload is this envelope", _by_envelope(q)),
        ("a line orders this SKU", _orders_with_sku(q)),
        ("placed by this account", _orders_of_account(q)),
    ):
        for subject in subjects:
            found.setdefault(subject, why)
    seen = _last_seen(found)
    matches = [Match(t, k, why, seen.get((t, k))) for (t, k), why in found.items()]
    # Newest first; subjects with no trace yet (an order placed before tracing) last.
    matches.sort(key=lambda m: m.last_seen.timestamp() if m.last_seen else 0, reverse=True)
    return matches[:LIMIT]


def _subjects(queryset) -> list[tuple[str, str]]:
    return list(queryset.values_list("subject_type", "subject_key").distinct()[:LIMIT])


def _by_key(q: str):
    return _subjects(TraceEvent.objects.filter(subject_key__iexact=q).order_by())


def _by_trace_id(q: str):
    return _subjects(TraceEvent.objects.filter(trace_id=q).order_by())


def _by_envelope(q: str):
    if not q.isdigit():
        return []
    events = TraceEvent.objects.filter(envelope_id=int(q)).order_by()
    subjects = _subjects(events)
    if not subjects:
        keys = Envelope.objects.filter(pk=int(q)).values_list("subject_key", flat=True)
        subjects = _subjects(TraceEvent.objects.filter(subject_key__in=keys).order_by())
    return subjects


def _orders_with_sku(q: str):
    numbers = Order.objects.filter(lines__product__sku__iexact=q).values_list("number", flat=True)
    return [("order", number) for number in numbers.distinct()[:LIMIT]]


def _orders_of_account(q: str):
    numbers = Order.objects.filter(account__number__iexact=q).values_list("number", flat=True)
    return [("order", number) for number in numbers[:LIMIT]]


def _last_seen(found: dict) -> dict:
    keys = {key for _, key in found}
    rows = (
        TraceEvent.objects.filter(subject_key__in=keys)
        .values("subject_type", "subject_key")
        .annotate(last=Max("created_at"))
        .order_by()
    )
    return {(r["subject_type"], r["subject_key"]): r["last"] for r in rows}
