"""Receiving an order from any partner: envelope first, idempotency, then the pipeline."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from apps.accounts.models import CompanyAccount
from apps.catalog.models import Product
from apps.exchange.models import TraceOutcome
from apps.exchange.services.delivery import delivery_schedule
from apps.exchange.services.envelopes import IntakeAnswer, envelope_receive
from apps.exchange.services.order_pipeline import order_map, order_parse, order_validate
from apps.exchange.services.trace import trace_record
from apps.flows.selectors import flow_get, flow_require_active
from apps.orders.models import Order, OrderStatus
from apps.orders.services import order_create
from apps.quarantine.services import quarantine_open

ORDER_FLOW = "order-capture"


def order_receive(
    *,
    partner,
    idempotency_key: str,
    raw: bytes,
    content_type: str,
    render: Callable[[Order], dict],
) -> IntakeAnswer:
    """Store the payload as received, then run it through the pipeline exactly once per key."""
    # An inactive flow still stores the payload first; it is then refused with the reason.
    flow = flow_get(code=ORDER_FLOW, require_active=False)

    def process(envelope) -> IntakeAnswer:
        flow_require_active(flow=flow)
        order = _order_process(envelope, flow, partner)
        return IntakeAnswer(201, render(order), order.number)

    return envelope_receive(
        flow=flow,
        partner=partner,
        idempotency_key=idempotency_key,
        raw=raw,
        content_type=content_type,
        process=process,
    )


def _order_process(envelope, flow, partner) -> Order:
    document = order_parse(raw=bytes(envelope.raw), flow=flow)
    canonical = order_map(document=document, partner=partner)
    verdict = order_validate(document=canonical, writer=partner)
    with transaction.atomic():
        return _order_apply(envelope, flow, partner, verdict)


def _order_apply(envelope, flow, partner, verdict) -> Order:
    document = verdict.document
    status = OrderStatus.QUARANTINED if verdict.problems else OrderStatus.RECEIVED
    order = order_create(
        account=CompanyAccount.objects.get(number=document["account"]),
        source_system=partner,
        po_number=document["po_number"],
        currency=document["currency"],
        ship_to=document["ship_to"],
        status=status,
        lines=_line_rows(document),
    )
    _trace_stages(order, envelope, flow, verdict)
    if verdict.problems:
        _order_quarantine(order, flow, verdict)
    else:
        order_route(order=order, flow=flow, document=document)
    return order


def _line_rows(document: dict) -> list[dict]:
    products = {
        p.sku: p for p in Product.objects.filter(sku__in=[l["sku"] for l in document["lines"]])
    }
    return [{**line, "product": products[line["sku"]]} for line in document["lines"]]


def _trace_stages(order, envelope, flow, verdict) -> None:
    key = order.number
    trace_record(
        subject_type="order",
        subject_key=key,
        stage="receive",
        envelope=envelope,
        message=f"Payload stored as received from {envelope.partner.code} "
        f"(key {envelope.idempotency_key}).",
        data={"envelope": envelope.pk, "body_hash": envelope.body_hash},
    )
    trace_record(
        subject_type="order",
        subject_key=key,
        stage="map",
        envelope=envelope,
        message=f"Mapped with {flow.code} mapping v{flow.mapping_version}.",
        data={
            "mapping_version": flow.mapping_version,
            "lines": [
                {
                    "sent": l["sent"],
                    "canonical": {
                        "quantity": l["quantity"],
                        "uom": l["uom"],
                        "unit_price": l["unit_price"],
                    },
                }
                for l in verdict.document["lines"]
            ],
        },
    )
    failed = bool(verdict.problems)
    trace_record(
        subject_type="order",
        subject_key=key,
        stage="validate",
        envelope=envelope,
        outcome=TraceOutcome.FAILED
        if failed
        else (TraceOutcome.NOTE if verdict.notes else TraceOutcome.OK),
        message="; ".join(verdict.notes)
        or ("Lines break the ownership matrix." if failed else "Ownership rules pass."),
        data={"problems": verdict.problems, "notes": verdict.notes},
    )


def _order_quarantine(order, flow, verdict) -> None:
    owner = verdict.owner or flow.owner
    item = quarantine_open(
        flow=flow,
        reason_code=verdict.problems[0]["code"],
        subject_type="order",
        subject_key=order.number,
        payload=verdict.document,
        problems=verdict.problems,
        owner=owner,
        message=f"{len(verdict.problems)} line(s) differ from the ERP-authorised price.",
    )
    trace_record(
        subject_type="order",
        subject_key=order.number,
        stage="quarantine",
        outcome=TraceOutcome.FAILED,
        message=f"Quarantined for {owner}: {item.message}",
        data={"quarantine_item": item.pk, "owner": owner.name},
    )


def order_route(*, order: Order, flow, document: dict) -> None:
    """Queue the order for the ERP as an outbox row; a worker delivers it after commit."""
    payload = {"hub_order_number": order.number, **{k: v for k, v in document.items()}}
    delivery = delivery_schedule(
        flow=flow, subject_type="order", subject_key=order.number, path="orders/", payload=payload
    )
    trace_record(
        subject_type="order",
        subject_key=order.number,
        stage="route",
        delivery=delivery,
        message=f"Queued for {flow.target_system.code} (delivery {delivery.pk}).",
    )
