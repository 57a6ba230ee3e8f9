"""Order capture: a partner's order becomes a canonical order, then an outbox row for the ERP.

Parse, map and validate live in `pipeline.py`; this module applies the verdict, routes the
order and says what the ERP's acceptance and an approved replay mean for it.
"""

from __future__ import annotations

from apps.connectors.rest.erp import erp_order_document
from apps.exchange.handlers import FlowHandler, flow_handler
from apps.exchange.handlers.order_capture.pipeline import (
    Verdict,
    order_map,
    order_parse,
    order_validate,
)
from apps.exchange.models import TraceOutcome
from apps.exchange.stages.intake import IntakeAnswer
from apps.exchange.stages.route import delivery_schedule
from apps.exchange.stages.trace import Trail, trace_record
from apps.orders.models import Order, OrderStatus
from apps.orders.services import (
    order_create,
    order_reprice_lines,
    order_transition,
    orders_submit_bulk,
)
from apps.quarantine.services import quarantine_open, quarantine_reopen
from apps.systems.selectors import external_ids_by_entity

ORDER_FLOW = "order-capture"


@flow_handler
class OrderCapture(FlowHandler):
    flow_code = ORDER_FLOW
    subject_type = "order"

    def receive(self, *, flow, partner, envelope, trail: Trail, render=None) -> IntakeAnswer:
        document = order_parse(raw=bytes(envelope.raw), flow=flow)
        mapped = order_map(document=document, partner=partner, erp=flow.target_system)
        trail.record(**_mapped(flow, mapped.document))
        verdict = order_validate(
            document=mapped.document,
            writer=partner,
            account=mapped.account,
            products=mapped.products,
        )
        trail.record(**_validated(verdict))
        order = _order_apply(flow, partner, verdict, trail)
        return IntakeAnswer(201, render(order), order.number)

    def delivered(self, *, delivery, answer: dict) -> None:
        order_transition(
            order=Order.objects.get(number=delivery.subject_key),
            from_statuses=[OrderStatus.RECEIVED],
            to_status=OrderStatus.SUBMITTED,
            external_ref=str(answer.get("order_number", "")),
        )

    def delivered_many(self, *, accepted: list[tuple]) -> None:
        orders_submit_bulk(
            external_refs={
                delivery.subject_key: str(answer.get("order_number", ""))
                for delivery, answer in accepted
            }
        )

    def replay(self, *, item, actor) -> None:
        _order_replay(item, actor)


def _order_apply(flow, partner, verdict: Verdict, trail: Trail) -> Order:
    document = verdict.document
    status = OrderStatus.QUARANTINED if verdict.problems else OrderStatus.RECEIVED
    order = order_create(
        account=verdict.account,
        source_system=partner,
        po_number=document["po_number"],
        currency=document["currency"],
        ship_to=document["ship_to"],
        status=status,
        lines=[{**line, "product": verdict.products[line["sku"]]} for line in document["lines"]],
    )
    trail.subject_is("order", order.number)
    if verdict.problems:
        _order_quarantine(order, flow, verdict, trail)
    else:
        delivery = order_route(order=order, flow=flow, document=document, codes=_codes(verdict))
        trail.record(
            "route",
            f"Queued for {flow.target_system.code} (delivery {delivery.pk}).",
            delivery=delivery,
        )
    return order


def _mapped(flow, canonical: dict) -> dict:
    lines = [
        {
            "sent": line["sent"],
            "canonical": {k: line[k] for k in ("quantity", "uom", "unit_price")},
        }
        for line in canonical["lines"]
    ]
    return {
        "stage": "map",
        "message": f"Mapped with {flow.code} mapping v{flow.mapping_version}.",
        "data": {"mapping_version": flow.mapping_version, "lines": lines},
    }


def _validated(verdict: Verdict) -> dict:
    failed = bool(verdict.problems)
    outcome = TraceOutcome.NOTE if verdict.notes else TraceOutcome.OK
    return {
        "stage": "validate",
        "outcome": TraceOutcome.FAILED if failed else outcome,
        "message": "; ".join(verdict.notes)
        or ("Lines break the ownership matrix." if failed else "Ownership rules pass."),
        "data": {"problems": verdict.problems, "notes": verdict.notes},
    }


def _order_quarantine(order, flow, verdict: Verdict, trail: Trail) -> None:
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
    trail.record(
        "quarantine",
        f"Quarantined for {owner}: {item.message}",
        outcome=TraceOutcome.FAILED,
        data={"quarantine_item": item.pk, "owner": owner.name},
    )


def _codes(verdict: Verdict) -> dict:
    # Map read the ERP's codes with the account and products (`erp_code`).
    return {
        "company_account": {verdict.account.number: verdict.account.erp_code},
        "product": {sku: product.erp_code for sku, product in verdict.products.items()},
    }


def order_route(*, order: Order, flow, document: dict, codes: dict | None = None):
    """Queue the order for the ERP, in the ERP's document and codes, as an outbox row.

    `codes` (entity -> canonical key -> ERP code) when the caller read them already.
    """
    erp, account = flow.target_system, document["account"]
    if codes is None:
        skus = sorted({line["sku"] for line in document["lines"]})
        codes = external_ids_by_entity(
            system=erp, wanted={"company_account": [account], "product": skus}
        )
    payload = erp_order_document(
        hub_number=order.number,
        order=document,
        customer=codes["company_account"][account],
        items=codes["product"],
    )
    return delivery_schedule(
        flow=flow,
        subject_type="order",
        subject_key=order.number,
        path="orders/",
        payload=payload,
        line_key=order.account.number,  # one account's orders reach the ERP in order
    )


def _order_replay(item, actor) -> None:
    order = Order.objects.select_related("source_system").get(number=item.subject_key)
    document = item.corrected_payload or item.payload
    verdict = order_validate(document=document, writer=order.source_system)
    if verdict.problems:
        quarantine_reopen(
            item=item,
            problems=verdict.problems,
            message="The replay still breaks the ownership matrix.",
        )
        trace_record(
            subject_type="order",
            subject_key=order.number,
            stage="replay",
            outcome=TraceOutcome.FAILED,
            actor=actor,
            message="Replay re-validated and went back to its owner.",
            data={"problems": verdict.problems},
        )
        return
    prices = {line["line_number"]: line["unit_price"] for line in verdict.document["lines"]}
    order_reprice_lines(order=order, prices=prices)
    order = order_transition(
        order=order, from_statuses=[OrderStatus.QUARANTINED], to_status=OrderStatus.RECEIVED
    )
    trace_record(
        subject_type="order",
        subject_key=order.number,
        stage="replay",
        actor=actor,
        message="Corrected order passed validation and is on its way to the ERP.",
        data={"document": verdict.document},
    )
    delivery = order_route(order=order, flow=item.flow, document=verdict.document)
    trace_record(
        subject_type="order",
        subject_key=order.number,
        stage="route",
        delivery=delivery,
        message=f"Queued for {item.flow.target_system.code} (delivery {delivery.pk}).",
    )
