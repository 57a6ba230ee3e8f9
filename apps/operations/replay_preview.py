"""The dry run of a replay: what the correction changes, whether it now passes, who receives it.

Nothing here writes. The differences come from the item itself (payload as mapped against the
corrected version); revalidation and the canonical record come from the flow's registered
previewer, so a new flow plugs in by registering one and the review screen stays as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from apps.core.errors import HubError
from apps.exchange.handlers.order_capture.pipeline import order_validate
from apps.exchange.handlers.record_sync.write import record_plan
from apps.exchange.models import Delivery
from apps.orders.models import Order
from apps.ownership.models import FieldOwnership
from apps.quarantine.choices import ReasonCode
from apps.quarantine.models import QuarantineItem
from apps.systems.models import System


@dataclass(frozen=True)
class Change:
    path: str
    before: object
    after: object


@dataclass
class Preview:
    """What approving the replay would do, as far as the hub can tell without doing it."""

    changes: list[Change] = field(default_factory=list)
    receivers: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def passes(self) -> bool:
        return not self.problems


# (reason code, flow code) -> previewer(item, document, preview); either may be ANY.
Previewer = Callable[[QuarantineItem, dict, Preview], None]
ANY = "*"
_PREVIEWERS: dict[tuple[str, str], Previewer] = {}


def previewer_register(previewer: Previewer, *, reason: str = ANY, flow: str = ANY) -> None:
    """Revalidate items of a reason code, a flow, or both; the most specific one is used."""
    _PREVIEWERS[(reason, flow)] = previewer


def _previewer_for(item: QuarantineItem) -> Previewer | None:
    for key in ((item.reason_code, item.flow.code), (item.reason_code, ANY), (ANY, item.flow.code)):
        if key in _PREVIEWERS:
            return _PREVIEWERS[key]
    return None


def replay_preview(*, item: QuarantineItem) -> Preview:
    """The diff between the document as held and as it would be replayed, revalidated."""
    document = item.corrected_payload if item.corrected_payload is not None else item.payload
    preview = Preview(changes=payload_diff(item.payload, document))
    previewer = _previewer_for(item)
    if previewer is None:
        target = item.flow.target_system
        preview.receivers.append(
            f"{target.code}: the document as shown" if target else "the hub's own records"
        )
        preview.notes.append("This flow registers no revalidation; the replay checks again.")
        return preview
    try:
        previewer(item, document, preview)
    except HubError as exc:
        preview.problems.append(exc.message)
    return preview


def payload_diff(before, after, path: str = "") -> list[Change]:
    """Leaf-by-leaf differences of two JSON documents, lines named by their line number."""
    if isinstance(before, dict) and isinstance(after, dict):
        changes = []
        for key in sorted(set(before) | set(after), key=str):
            changes += payload_diff(before.get(key), after.get(key), f"{path}.{key}".lstrip("."))
        return changes
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        changes = []
        for index, (old, new) in enumerate(zip(before, after, strict=True)):
            label = old.get("line_number", index + 1) if isinstance(old, dict) else index + 1
            changes += payload_diff(old, new, f"{path}[{label}]")
        return changes
    return [] if before == after else [Change(path or "document", before, after)]


def _order_preview(item: QuarantineItem, document: dict, preview: Preview) -> None:
    order = Order.objects.select_related("source_system").filter(number=item.subject_key).first()
    if order is None:
        preview.problems.append(f"Order {item.subject_key} is not in the hub; nothing to replay.")
        return
    verdict = order_validate(document=document, writer=order.source_system)
    preview.problems += [
        f"Line {p['line_number']} {p['sku']}: {p.get('sent_unit_price')} still differs from "
        f"the authorised {p.get('authorised_unit_price')}."
        for p in verdict.problems
    ]
    preview.notes += [
        f"Line {line['line_number']}: price {line['unit_price']} decided by "
        f"{line['price_decided_by']}, not the authorising system."
        for line in document["lines"]
        if line.get("price_decided_by")
    ]
    prices = {line["line_number"]: line["unit_price"] for line in document["lines"]}
    for line in order.lines.order_by("line_number"):
        new = prices.get(line.line_number)
        if new is not None and line.unit_price.compare(_decimal(new)) != 0:
            preview.notes.append(
                f"Order {order.number} line {line.line_number}: unit price "
                f"{line.unit_price} → {new}."
            )
    target = item.flow.target_system
    preview.receivers.append(
        f"{target.code}: order {order.number}, {len(document['lines'])} line(s), once "
        "(the delivery's idempotency key is kept)"
    )


def _decimal(value) -> Decimal:
    return Decimal(str(value))


def _record_preview(item: QuarantineItem, document: dict, preview: Preview) -> None:
    writer = System.objects.filter(code=(item.problems or [{}])[0].get("writer")).first()
    if writer is None:
        preview.notes.append("The item names no sending system; the replay checks again.")
        return
    if "same_as" in document:
        preview.notes.append(
            f"{writer.code}'s {document.get('external_id') or item.subject_key} will resolve "
            f"to {document['same_as']}; no new record is created."
        )
        return
    plan = record_plan(entity=item.subject_type, document=document, writer=writer)
    held = {p["field"] for p in item.problems if p.get("field")}
    applied = sorted(set(plan.apply) | (held & set(document.get("fields", {}))))
    verb = "created" if plan.creating else "updated"
    preview.notes.append(
        f"{item.subject_type} {item.subject_key} {verb}: {', '.join(applied) or 'nothing'}."
    )
    consumers = FieldOwnership.objects.filter(
        entity=item.subject_type, field__in=applied
    ).prefetch_related("consumers")
    by_system: dict[str, set[str]] = {}
    for rule in consumers:
        for system in rule.consumers.all():
            by_system.setdefault(system.code, set()).add(rule.field)
    preview.receivers += [
        f"{code}: {', '.join(sorted(fields))} (a consumer in the matrix)"
        for code, fields in sorted(by_system.items())
    ]


def _redelivery_preview(item: QuarantineItem, document: dict, preview: Preview) -> None:
    delivery = (
        Delivery.objects.select_related("target_system")
        .filter(pk=(item.problems or [{}])[0].get("delivery"))
        .first()
    )
    if delivery is None:
        preview.problems.append("The dead letter's delivery is gone; nothing can be sent again.")
        return
    preview.notes.append(
        f"Delivery {delivery.pk} goes to {delivery.target_system.code} again from attempt 1; "
        f"it last failed with: {item.problems[0].get('error')}"
    )
    preview.receivers.append(
        f"{delivery.target_system.code}: {delivery.path} with the same idempotency key "
        f"({delivery.idempotency_key}), so a copy it already took is not taken twice"
    )


previewer_register(_order_preview, flow="order-capture")
previewer_register(_record_preview, flow="record-sync")
previewer_register(_redelivery_preview, reason=ReasonCode.DELIVERY_FAILED)
