"""Inventory update: the WMS posts stock events (signed, in batches); the storefront hears.

Each event states one level's new figures with the WMS's event id, time and sequence. A
batch is deduplicated by event id, applied in the WMS's order per SKU and location (an older
event never overwrites a newer figure) through the catalog's write service with history, and
the changed levels go to the storefront in one bulk delivery.

The nightly snapshot resync (`python manage.py sync inventory`, a `SyncRun` in snapshot mode)
pages through the WMS's whole stock and repairs what drifted: a figure the hub missed, or one
that differs at the same sequence. Only corrected levels go to the storefront.
"""

from __future__ import annotations

from datetime import datetime

from apps.core.errors import HubError, ValidationFailed
from apps.exchange.handlers import flow_handler
from apps.exchange.handlers.inventory_update.document import (
    Mapped,
    inventory_authorise,
    inventory_rows,
)
from apps.exchange.handlers.inventory_update.stock import (
    INVENTORY_FLOW,
    stock_apply,
    stock_push,
    stock_rejected,
    stock_trace,
)
from apps.exchange.handlers.source_pages import source_page
from apps.exchange.models import InboundEvent, SyncMode, SyncRun, TraceOutcome
from apps.exchange.stages.batch import BatchHandler, Page, Prepared, Written
from apps.exchange.stages.intake import IntakeAnswer, json_document
from apps.exchange.stages.trace import Trail
from apps.flows.schemas import schema_check
from apps.quarantine.services import quarantine_open_records


class SignatureInvalid(HubError):
    """The call does not carry a valid signature of the system it authenticated as."""

    code = "signature_invalid"
    status = 401


@flow_handler
class InventoryUpdate(BatchHandler):
    flow_code = INVENTORY_FLOW
    subject_type = "inventory"
    batch_name = "inventory"
    batch_modes = (SyncMode.SNAPSHOT,)

    def receive(
        self, *, flow, partner, envelope, trail: Trail, signature_problem: str
    ) -> IntakeAnswer:
        if signature_problem:
            raise SignatureInvalid(signature_problem)
        trail.record("verify", f"Signed by {partner.code} (Standard Webhooks, HMAC-SHA256).")
        document = json_document(bytes(envelope.raw))
        schema_check(flow_code=flow.code, version=flow.schema_version, document=document)
        events = document["events"]
        owner = inventory_authorise(writer=partner)
        mapped = inventory_rows(items=events, writer=partner, where="events")
        if mapped.invalid:
            problems = {
                name: errors for _, found in mapped.invalid for name, errors in found.items()
            }
            raise ValidationFailed("Some inventory figures are not valid.", fields=problems)
        trail.record(
            "validate",
            f"{len(events)} event(s); {partner.code} owns inventory figures in the ownership "
            f"matrix (business owner {owner}).",
        )
        fresh = _first_sightings(flow, partner, envelope, events)
        batch = mapped.only(lambda item: id(item) in fresh)
        return _events_apply(flow, envelope, trail, batch, duplicates=len(events) - len(fresh))

    # The snapshot resync, run by the batch stage a page at a time.

    def fetch(self, *, run: SyncRun, cursor: str, since: datetime | None) -> Page:
        return source_page(run=run, path="snapshot/", cursor=cursor)

    def prepare(self, *, run: SyncRun, records: list[dict]) -> Prepared:
        inventory_authorise(writer=run.flow.source_system)
        mapped = inventory_rows(items=records, writer=run.flow.source_system, where="results")
        return Prepared(good=mapped.rows, rejected=stock_rejected(mapped=mapped))

    def write(self, *, run: SyncRun, good: list) -> Written:
        applied = stock_apply(
            rows=good, reason=f"{run.flow.code}: snapshot run {run.pk}", repair_equal=True
        )
        stock_trace(applied=applied, message=f"Repaired by WMS snapshot run {run.pk}.")
        return Written(changed=applied.changed, unchanged=applied.refreshed + len(applied.stale))

    def push(self, *, run: SyncRun, changed: list) -> int:
        source = f"snapshot-{run.pk}-page-{run.pages + 1}"
        delivery = stock_push(flow=run.flow, changed=changed, source=source)
        return len(changed) if delivery is not None else 0


def _first_sightings(flow, partner, envelope, events: list[dict]) -> set[int]:
    """The events (by identity) never seen before, now recorded as seen; one read, one insert.

    A resent event, in this batch or an earlier one, is seen once: its id is the WMS's own.
    """
    ids = {event["event_id"] for event in events}
    seen = set(
        InboundEvent.objects.filter(partner=partner, flow=flow, event_id__in=ids).values_list(
            "event_id", flat=True
        )
    )
    fresh, new_ids = set(), []
    for event in events:
        if event["event_id"] in seen:
            continue
        seen.add(event["event_id"])
        fresh.add(id(event))
        new_ids.append(event["event_id"])
    InboundEvent.objects.bulk_create(
        [
            InboundEvent(partner=partner, flow=flow, event_id=event_id, envelope=envelope)
            for event_id in new_ids
        ],
        # Two batches racing with the same new event both get here; the level's sequence
        # check makes the second one's copy a no-op, so the race needs no error.
        ignore_conflicts=True,
    )
    return fresh


def _events_apply(flow, envelope, trail: Trail, batch: Mapped, *, duplicates: int):
    source = f"envelope-{envelope.pk}"
    applied = stock_apply(rows=batch.rows, reason=f"{flow.code}: WMS events, {source}")
    stale = len(applied.stale)
    trail.record(
        "apply",
        f"{len(applied.changed)} level(s) changed, {applied.refreshed} unchanged; "
        f"{duplicates} duplicate event(s) and {stale} older than the hub's figure ignored.",
        outcome=TraceOutcome.NOTE if duplicates or stale else TraceOutcome.OK,
        data={"stale": [_event_ref(row) for row in applied.stale]},
    )
    rejected = stock_rejected(mapped=batch)
    held = quarantine_open_records(
        flow=flow, owner=flow.owner, items=[vars(item) for item in rejected]
    )
    if held:
        trail.record(
            "quarantine",
            f"{held} figure(s) for SKUs the hub does not know, held for {flow.owner.name}.",
            outcome=TraceOutcome.FAILED,
        )
    delivery = stock_push(flow=flow, changed=applied.changed, source=source)
    if delivery is not None:
        trail.record(
            "route",
            f"{len(applied.changed)} level(s) queued for {flow.target_system.code} in one "
            f"delivery ({delivery.pk}).",
            delivery=delivery,
        )
    stock_trace(applied=applied, message=f"Set by WMS event batch {source}.", envelope=envelope)
    body = {
        "changed": len(applied.changed),
        "unchanged": applied.refreshed,
        "duplicates": duplicates,
        "stale": stale,
        "unknown_skus": sorted({item["sku"] for item in batch.unknown}),
    }
    return IntakeAnswer(200, body, source)


def _event_ref(row: dict) -> dict:
    return {
        "sku": row["product"].sku,
        "location": row["location"],
        "sequence": row["as_of_sequence"],
    }
