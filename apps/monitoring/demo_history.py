"""Thirty days of back-dated history for the demo, so its dashboard has something to show.

Payloads received and rejected, records held and fixed (with the owner's actions and how long
recovery took), nightly runs (one failed), and a few orders on credit hold: the shapes a real
month leaves behind. Only for `make demo`; production never calls it. Run it again and it
adds nothing (its idempotency keys start with `history-`).
"""

from __future__ import annotations

import hashlib
import json
import random
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from apps.accounts.models import CompanyAccount
from apps.exchange.models import (
    Envelope,
    EnvelopeStatus,
    SyncMode,
    SyncRun,
    SyncStatus,
    TraceEvent,
    TraceOutcome,
)
from apps.flows.models import Flow, FlowPattern
from apps.orders.models import Order, OrderStatus
from apps.quarantine.choices import ReasonCode
from apps.quarantine.models import QuarantineAction, QuarantineItem, QuarantineStatus

DAYS = 30
PREFIX = "history-"
BATCH = [FlowPattern.BATCH_PULL, FlowPattern.SCHEDULED_BATCH, FlowPattern.BATCH_AND_EVENTS]
# Payloads a day and the share held, per flow pattern, roughly what a mid-size B2B shop sees.
VOLUME = {FlowPattern.REAL_TIME: (24, 0.08), FlowPattern.EVENTS: (30, 0.03)}
REASONS = {
    FlowPattern.REAL_TIME: [ReasonCode.PRICE_MISMATCH, ReasonCode.NO_AUTHORISED_PRICE],
    FlowPattern.EVENTS: [ReasonCode.OWNERSHIP_REFUSED, ReasonCode.DELIVERY_FAILED],
}


@transaction.atomic
def demo_history_seed(*, now: datetime | None = None, seed: int = 17) -> dict:
    """Back-date a month of activity on every built flow; nothing if it was done before."""
    if Envelope.objects.filter(idempotency_key__startswith=PREFIX).exists():
        return {"envelopes": 0, "items": 0, "runs": 0}
    now = now or timezone.now()
    rng = random.Random(seed)
    counts = {"envelopes": 0, "items": 0, "runs": 0}
    flows = Flow.objects.filter(build_status="implemented", is_active=True).select_related(
        "owner__user", "source_system"
    )
    for flow in flows:
        for back in range(DAYS, 0, -1):
            day = now - timedelta(days=back)
            if flow.pattern in BATCH:
                counts["runs"] += _nightly_run(flow, day, failed=back == 12, rng=rng)
                counts["items"] += _held(flow, day, rng.choice([0, 0, 1, 2]), rng, "product")
            elif flow.source_system_id and flow.pattern in VOLUME:
                volume, share = VOLUME[flow.pattern]
                n = int(volume * (0.6 if day.weekday() >= 5 else 1) * rng.uniform(0.7, 1.3))
                held = sum(rng.random() < share for _ in range(n))
                counts["envelopes"] += _received(flow, day, n, rng)
                counts["items"] += _held(flow, day, held, rng, "order")
    _credit_holds(now)
    return counts


def _at(day: datetime, rng: random.Random) -> datetime:
    return day.replace(hour=rng.randint(6, 20), minute=rng.randint(0, 59))


def _backdate(model, rows: list, when: list[datetime], **extra) -> None:
    # auto_now_add stamps "now" on insert; the demo's history needs its own dates.
    for row, at in zip(rows, when, strict=True):
        model.objects.filter(pk=row.pk).update(
            created_at=at, **{k: v(at) for k, v in extra.items()}
        )


def _received(flow: Flow, day: datetime, n: int, rng: random.Random) -> int:
    envelopes, times = [], []
    for i in range(n):
        key = f"H-{day:%Y%m%d}-{flow.pk}-{i}"
        body = json.dumps({"po_number": f"PO-{key}", "account": "NW-1001"}).encode()
        rejected = rng.random() < 0.04
        envelopes.append(
            Envelope(
                partner=flow.source_system,
                flow=flow,
                idempotency_key=f"{PREFIX}{key}",
                body_hash=hashlib.sha256(body).hexdigest(),
                raw=body,
                content_type="application/json",
                status=EnvelopeStatus.REJECTED if rejected else EnvelopeStatus.ACCEPTED,
                subject_key=key,
                response_status=422 if rejected else 201,
                error_code="validation_failed" if rejected else "",
            )
        )
        times.append(_at(day, rng))
    Envelope.objects.bulk_create(envelopes)
    _backdate(Envelope, envelopes, times, updated_at=lambda at: at)
    events = [
        TraceEvent(
            subject_type="order" if flow.pattern == FlowPattern.REAL_TIME else "event",
            subject_key=e.subject_key,
            stage="receive",
            outcome=TraceOutcome.FAILED if e.status == EnvelopeStatus.REJECTED else TraceOutcome.OK,
            message="Received (demo history).",
            envelope=e,
            trace_id=hashlib.md5(e.subject_key.encode()).hexdigest(),  # noqa: S324 - an id, not a secret
        )
        for e in envelopes
    ]
    TraceEvent.objects.bulk_create(events)
    _backdate(TraceEvent, events, times)
    return n


def _held(flow: Flow, day: datetime, n: int, rng: random.Random, subject_type: str) -> int:
    if not n:
        return 0
    reasons = REASONS.get(flow.pattern, [ReasonCode.OWNERSHIP_REFUSED])
    items, times = [], []
    for i in range(n):
        recent = (timezone.now() - day) < timedelta(days=2)
        status = (
            QuarantineStatus.OPEN
            if recent
            else rng.choice([QuarantineStatus.RESOLVED] * 4 + [QuarantineStatus.DISCARDED])
        )
        qty, price = rng.randint(1, 40), rng.choice(["4.20", "3.60", "12.50", "89.00"])
        items.append(
            QuarantineItem(
                flow=flow,
                reason_code=rng.choice(reasons),
                message="Held (demo history).",
                subject_type=subject_type,
                subject_key=f"H-{day:%Y%m%d}-{flow.pk}-Q{i}",
                payload={
                    "currency": "USD",
                    "lines": [{"sku": "ACME-BOLT-M8", "quantity": str(qty), "unit_price": price}],
                },
                problems=[],
                assigned_owner=flow.owner,
                status=status,
            )
        )
        times.append(_at(day, rng))
    bulk_create_with_history(items, QuarantineItem, default_change_reason="demo history")
    items = list(QuarantineItem.objects.filter(subject_key__in=[i.subject_key for i in items]))
    times = times[: len(items)]
    recovery = {item.pk: timedelta(hours=rng.uniform(0.5, 30)) for item in items}
    for item, at in zip(items, times, strict=True):
        settled = item.status != QuarantineStatus.OPEN
        QuarantineItem.objects.filter(pk=item.pk).update(
            created_at=at, updated_at=at + recovery[item.pk] if settled else at
        )
        if settled and flow.owner.user_id:
            action = QuarantineAction.objects.create(
                item=item,
                actor=flow.owner.user,
                action="corrected" if item.status == QuarantineStatus.RESOLVED else "discarded",
                note="demo history",
            )
            QuarantineAction.objects.filter(pk=action.pk).update(created_at=at + recovery[item.pk])
    return len(items)


def _nightly_run(flow: Flow, day: datetime, *, failed: bool, rng: random.Random) -> int:
    start = day.replace(hour=2, minute=0)
    fetched = rng.randint(180, 220)
    run = SyncRun.objects.create(
        flow=flow,
        mode=SyncMode.DELTA,
        status=SyncStatus.FAILED if failed else SyncStatus.SUCCEEDED,
        trigger="beat",
        pages=1,
        fetched=fetched,
        applied=0 if failed else fetched - 3,
        unchanged=0 if failed else 3,
        started_at=start,
        finished_at=start + timedelta(minutes=rng.randint(2, 9)),
        error="PIM answered 503 for 40 minutes (demo history)" if failed else "",
    )
    SyncRun.objects.filter(pk=run.pk).update(created_at=start, updated_at=start)
    return 1


def _credit_holds(now: datetime) -> None:
    """Two orders finance holds for credit, brought in by the order-capture flow."""
    flow = Flow.objects.filter(pattern=FlowPattern.REAL_TIME, source_system__isnull=False).first()
    account = CompanyAccount.objects.order_by("pk").first()
    if flow is None or account is None:
        return
    for n in (1, 2):
        number = f"H-CREDIT-{n}"
        Order.objects.get_or_create(
            number=number,
            defaults={
                "account": account,
                "source_system": flow.source_system,
                "currency": "USD",
                "status": OrderStatus.CREDIT_HOLD,
            },
        )
        Envelope.objects.get_or_create(
            partner=flow.source_system,
            flow=flow,
            idempotency_key=f"{PREFIX}{number}",
            defaults={
                "body_hash": hashlib.sha256(number.encode()).hexdigest(),
                "raw": number.encode(),
                "status": EnvelopeStatus.ACCEPTED,
                "subject_key": number,
            },
        )
