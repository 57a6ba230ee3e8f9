"""The sandbox WMS: its own stock, the signed events it posts to the hub, and its snapshot.

Every change gets the next number of one WMS-wide sequence, as a real WMS's event log would;
an event states a level's new figures, not a difference. `wms_events_send` can also resend
events (same id) and hold older events back until newer ones went, like a WMS outbox that
retries and a network that reorders.
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

import requests
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from standardwebhooks import Webhook

from apps.core.errors import Conflict, TransportError, ValidationFailed
from apps.sandbox.models import SandboxStock, SandboxWebhook
from apps.sandbox.services import fault_take

WMS = "wms"
MAX_EVENTS = 100_000


@dataclass
class EventRun:
    """What the WMS sent: batches, events, resent and held-back ones, and the hub's answers."""

    batches: int = 0
    events: int = 0
    duplicates: int = 0
    out_of_order: int = 0
    answers: list[dict] = field(default_factory=list)


@transaction.atomic
def wms_stock_set(*, levels: list[dict]) -> list[dict]:
    """Change stock without telling anyone (the hub misses it until the next snapshot)."""
    events = [
        _event(level["sku"], level["location"], level["on_hand"], level.get("available"), seq)
        for seq, level in enumerate(levels, start=_last_sequence() + 1)
    ]
    _stock_record(events)
    return events


def wms_events_make(
    *,
    count: int,
    skus: list[str],
    locations: list[str],
    duplicates: int = 0,
    out_of_order: int = 0,
    seed: int = 14,
) -> tuple[list[dict], int, int]:
    """`count` new events over skus × locations, in sending order: each held-back event goes
    after a newer one for its level, each duplicate is a resend of an event already sent.
    Returns (events to send, duplicates, out of order); the WMS's stock takes the newest."""
    if not (0 < count <= MAX_EVENTS) or not skus or not locations:
        raise ValidationFailed(f"Send 1 to {MAX_EVENTS} events over at least one SKU and location.")
    rng = random.Random(seed)
    levels = [(sku, location) for sku in skus for location in locations]
    start = _last_sequence() + 1
    made = [
        _event(*levels[index % len(levels)], rng.randint(0, 500), None, start + index)
        for index in range(count)
    ]
    _stock_record(made)
    # An event is "late" only if a newer one for its level exists: it is sent after it.
    newer_follows = [event for i, event in enumerate(made) if i + len(levels) < len(made)]
    late = {id(event) for event in newer_follows[:out_of_order]}
    ordered = [e for e in made if id(e) not in late] + [e for e in made if id(e) in late]
    resent = [dict(event) for event in made[:duplicates]]
    return ordered + resent, len(resent), len(late)


def wms_events_send(
    *,
    count: int,
    skus: list[str],
    locations: list[str],
    duplicates: int = 0,
    out_of_order: int = 0,
    batch_size: int = 100,
) -> EventRun:
    """Make events and POST them to the hub's webhook in signed batches, outside any
    transaction (the hub may call back into the sandbox while a batch waits for its answer)."""
    webhook = SandboxWebhook.objects.filter(system=WMS).first()
    if webhook is None or not webhook.secret:
        raise Conflict(
            "The sandbox WMS has no hub webhook or signing secret; POST /sandbox/wms/webhook/ "
            'with {"url", "token", "secret"} first.'
        )
    events, resent, late = wms_events_make(
        count=count,
        skus=skus,
        locations=locations,
        duplicates=duplicates,
        out_of_order=out_of_order,
    )
    run = EventRun(events=len(events), duplicates=resent, out_of_order=late)
    for start in range(0, len(events), max(1, batch_size)):
        status, answer = wms_batch_post(webhook=webhook, events=events[start : start + batch_size])
        run.batches += 1
        run.answers.append({"status": status, **answer})
    return run


def wms_batch_post(*, webhook: SandboxWebhook, events: list[dict], secret: str = "") -> tuple:
    """POST one signed batch to the hub; returns (status, answer). `secret` overrides the
    configured one (to show the hub refusing a forged call)."""
    body = json.dumps({"events": events})
    message_id = f"wms-batch-{uuid.uuid4().hex}"
    signature = Webhook(secret or webhook.secret).sign(message_id, timezone.now(), body)
    headers = {
        "Authorization": f"Token {webhook.token}",
        "Content-Type": "application/json",
        "Idempotency-Key": message_id,
        "webhook-id": message_id,
        "webhook-timestamp": str(int(timezone.now().timestamp())),
        "webhook-signature": signature,
    }
    try:
        response = requests.post(webhook.url, data=body.encode(), headers=headers, timeout=60)
    except requests.RequestException as exc:
        raise TransportError(f"The hub did not answer: {exc}", retryable=True) from exc
    try:
        return response.status_code, response.json()
    except ValueError:
        return response.status_code, {"raw": response.text[:2000]}


def wms_snapshot_page(*, after: str, limit: int) -> tuple[int | None, dict]:
    """One page of the WMS's whole stock, by its own row order, after the cursor `after`."""
    status, _ = fault_take(system=WMS)
    if status:
        return status, {"error": "sandbox fault: the WMS is not answering"}
    start = int(after) if after.isdigit() else 0
    # One row more than asked: whether another page follows, without an empty last page.
    rows = list(SandboxStock.objects.filter(pk__gt=start).order_by("pk")[: limit + 1])
    more, rows = len(rows) > limit, rows[:limit]
    return None, {
        "results": [_snapshot_row(row) for row in rows],
        "next": str(rows[-1].pk) if more else None,
        "total": SandboxStock.objects.count(),
    }


def _snapshot_row(row: SandboxStock) -> dict:
    return {
        "sku": row.sku,
        "location": row.location,
        "on_hand": _text(row.on_hand),
        "available": _text(row.available),
        "sequence": row.sequence,
        "occurred_at": row.occurred_at.isoformat(),
    }


def _event(sku: str, location: str, on_hand, available, sequence: int) -> dict:
    on_hand = Decimal(str(on_hand))
    available = on_hand if available is None else Decimal(str(available))
    return {
        "event_id": f"WMS-EV-{uuid.uuid4().hex[:16]}",
        "sku": sku,
        "location": location,
        "on_hand": _text(on_hand),
        "available": _text(available),
        "sequence": sequence,
        "occurred_at": timezone.now().isoformat(),
    }


def _last_sequence() -> int:
    return SandboxStock.objects.aggregate(last=Max("sequence"))["last"] or 0


@transaction.atomic
def _stock_record(events: list[dict]) -> None:
    """The WMS's stock takes each level's newest figures: one read, one insert, one update."""
    newest = {(e["sku"], e["location"]): e for e in sorted(events, key=lambda e: e["sequence"])}
    stored = {
        (row.sku, row.location): row
        for row in SandboxStock.objects.filter(
            sku__in={sku for sku, _ in newest}, location__in={loc for _, loc in newest}
        )
    }
    new, changed = [], []
    for key, event in newest.items():
        row = stored.get(key) or SandboxStock(sku=key[0], location=key[1])
        row.on_hand, row.available = Decimal(event["on_hand"]), Decimal(event["available"])
        row.sequence, row.occurred_at = event["sequence"], timezone.now()
        (changed if row.pk else new).append(row)
    SandboxStock.objects.bulk_create(new)
    fields = ["on_hand", "available", "sequence", "occurred_at", "updated_at"]
    for row in changed:
        row.updated_at = timezone.now()
    SandboxStock.objects.bulk_update(changed, fields)


def _text(value: Decimal) -> str:
    return format(value.normalize(), "f")
