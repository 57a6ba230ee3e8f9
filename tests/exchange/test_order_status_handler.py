"""The order-status handler: ERP codes to the canonical order, the matrix, transitions, routing.

The storefront is unreachable here (no live server): a notification is an outbox row, which
is what the handler is responsible for. tests/flows/test_order_status.py runs it over HTTP.
"""

import pytest
from rest_framework.test import APIClient

from apps.api.services import partner_token_issue
from apps.exchange.models import Delivery, Envelope, TraceEvent
from apps.orders.models import Order, OrderLineStatus, OrderStatus
from apps.orders.services import order_transition
from apps.systems.models import System
from tests.exchange.test_validation import receive

pytestmark = pytest.mark.django_db
WEBHOOK = "/api/v1/webhooks/order-status/"
ERP_REF = "ERP-500001"


@pytest.fixture
def order(cast) -> Order:
    """A storefront order the ERP took as ERP-500001: line 1 is 120 bolts, line 2 100 nuts."""
    number = receive(cast, "order_storefront_cases.json", key="place-1")["number"]
    return order_transition(
        order=Order.objects.get(number=number),
        from_statuses=[OrderStatus.RECEIVED],
        to_status=OrderStatus.SUBMITTED,
        external_ref=ERP_REF,
    )


@pytest.fixture
def erp(cast) -> str:
    return partner_token_issue(partner_code="erp")


def post(token: str, document: dict, key: str | None = None):
    return APIClient().post(
        WEBHOOK,
        document,
        format="json",
        HTTP_AUTHORIZATION=f"Token {token}",
        HTTP_IDEMPOTENCY_KEY=key or f"erp-{document['document_id']}",
    )


def status(code: str, doc: str, number: str = ERP_REF, **rest) -> dict:
    return {"document_id": doc, "order_number": number, "status": code, **rest}


def lines_of(order: Order) -> dict:
    return {
        line.line_number: (line.status, str(line.confirmed_quantity), line.status_reason)
        for line in Order.objects.get(pk=order.pk).lines.all()
    }


def notifications(order: Order) -> list[dict]:
    rows = Delivery.objects.filter(flow__code="order-status", subject_key=order.number)
    return [row.payload for row in rows.order_by("pk")]


def test_acknowledgment_confirms_every_line_as_ordered(order, erp):
    response = post(erp, status("AK", "D1"))
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "acknowledged"
    assert Order.objects.get(pk=order.pk).status == OrderStatus.ACKNOWLEDGED
    assert lines_of(order) == {1: ("accepted", "120.0000", ""), 2: ("accepted", "100.0000", "")}
    [note] = notifications(order)
    assert (note["previous_status"], note["status"]) == ("submitted", "acknowledged")
    delivery = Delivery.objects.get(flow__code="order-status", subject_key=order.number)
    assert delivery.target_system.code == "storefront"


def test_changed_quantity_and_refused_line_are_recorded_per_line_with_history(order, erp):
    lines = [
        {"line": 1, "status": "IQ", "quantity": "96"},
        {"line": 2, "status": "IR", "reason": "Discontinued"},
    ]
    response = post(erp, status("AC", "D1", lines=lines))
    assert response.status_code == 200, response.content
    assert Order.objects.get(pk=order.pk).status == OrderStatus.ACKNOWLEDGED
    assert lines_of(order) == {
        1: ("changed", "96.0000", ""),
        2: ("rejected", "0.0000", "Discontinued"),
    }
    bolt = order.lines.get(line_number=1)
    assert str(bolt.quantity) == "120.0000", "what the buyer ordered stays as ordered"
    assert [h.status for h in bolt.history.order_by("history_id")] == ["open", "changed"]
    [note] = notifications(order)
    assert [(n["line_number"], n["confirmed_quantity"]) for n in note["lines"]] == [
        (1, "96"),
        (2, "0"),
    ]


def test_every_line_refused_rejects_the_order(order, erp):
    lines = [{"line": 1, "status": "IR"}, {"line": 2, "status": "IR"}]
    assert post(erp, status("AC", "D1", lines=lines)).status_code == 200
    assert Order.objects.get(pk=order.pk).status == OrderStatus.REJECTED


def test_rejection_refuses_the_order_and_its_lines(order, erp):
    response = post(erp, status("RJ", "D1", reason="Credit stop"))
    assert response.status_code == 200
    assert Order.objects.get(pk=order.pk).status == OrderStatus.REJECTED
    assert lines_of(order)[2] == ("rejected", "0.0000", "Credit stop")
    assert notifications(order)[0]["reason"] == "Credit stop"


def test_cancel_after_a_line_refusal_keeps_the_refusal(order, erp):
    post(erp, status("AC", "D1", lines=[{"line": 2, "status": "IR", "reason": "Discontinued"}]))
    assert post(erp, status("CA", "D2", reason="Buyer called")).status_code == 200
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED
    assert lines_of(order) == {
        1: ("cancelled", "0.0000", "Buyer called"),
        2: ("rejected", "0.0000", "Discontinued"),
    }
    assert [n["status"] for n in notifications(order)] == ["acknowledged", "cancelled"]


def test_acknowledging_a_cancelled_order_is_a_409_on_the_order_trace(order, erp):
    post(erp, status("CA", "D1"))
    response = post(erp, status("AK", "D2"))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_transition"
    assert "cancelled" in response.json()["error"]["message"]
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED
    refused = TraceEvent.objects.filter(subject_key=order.number, stage="apply", outcome="failed")
    assert refused.get().envelope.idempotency_key == "erp-D2"
    assert len(notifications(order)) == 1, "only the cancellation was sent"


def test_a_refused_line_cannot_be_accepted_later(order, erp):
    post(erp, status("AC", "D1", lines=[{"line": 2, "status": "IR"}]))
    response = post(erp, status("AC", "D2", lines=[{"line": 2, "status": "IA"}]))
    assert response.status_code == 409
    assert lines_of(order)[2][0] == OrderLineStatus.REJECTED


def test_unknown_order_number_answers_404_with_the_error_body(order, erp):
    response = post(erp, status("AK", "D1", number="ERP-999999"))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert set(response.json()["error"]) == {"code", "message", "fields"}
    assert Order.objects.get(pk=order.pk).status == OrderStatus.SUBMITTED
    assert Envelope.objects.get(idempotency_key="erp-D1").status == "rejected"


def test_unknown_line_and_missing_quantity_are_400s_naming_the_line(order, erp):
    unknown = post(erp, status("AC", "D1", lines=[{"line": 7, "status": "IA"}]))
    assert unknown.status_code == 400
    assert unknown.json()["error"]["fields"] == {"lines.0": ["No line 7 on this order."]}
    no_quantity = post(erp, status("AC", "D2", lines=[{"line": 1, "status": "IQ"}]))
    assert no_quantity.status_code == 400
    assert "lines.0" in no_quantity.json()["error"]["fields"]
    lines_without_ac = post(erp, status("AK", "D3", lines=[{"line": 1, "status": "IA"}]))
    assert lines_without_ac.status_code == 400
    assert "lines" in lines_without_ac.json()["error"]["fields"]
    assert lines_of(order)[1][0] == OrderLineStatus.OPEN


def test_only_the_status_owner_may_report_statuses(order):
    storefront = partner_token_issue(partner_code="storefront")
    theirs = post(storefront, status("CA", "D1"))
    missing = post(storefront, status("CA", "D2", number="ERP-999999"))
    assert theirs.status_code == missing.status_code == 403
    assert theirs.json() == missing.json(), "the same answer whether the order exists or not"
    assert theirs.json()["error"]["code"] == "not_owner"
    assert Order.objects.get(pk=order.pk).status == OrderStatus.SUBMITTED


def test_a_repeat_answers_the_same_and_notifies_once(order, erp):
    first = post(erp, status("AK", "D1"))
    again = post(erp, status("AK", "D1"))
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert len(notifications(order)) == 1
    reused = post(erp, status("CA", "D2"), key="erp-D1")
    assert reused.status_code == 409
    assert reused.json()["error"]["code"] == "idempotency_key_reused"


def test_an_answer_that_changes_nothing_sends_nothing(order, erp):
    post(erp, status("AK", "D1"))
    response = post(erp, status("AK", "D2"))
    assert response.status_code == 200
    assert len(notifications(order)) == 1
    last = TraceEvent.objects.filter(subject_key=order.number).last()
    assert (last.stage, last.outcome) == ("apply", "note")


def test_another_partners_order_is_not_told_to_the_storefront(order, erp):
    marketplace = System.objects.create(code="marketplace", name="Marketplace", kind="marketplace")
    Order.objects.filter(pk=order.pk).update(source_system=marketplace)
    assert post(erp, status("AK", "D1")).status_code == 200
    assert notifications(order) == []
    route = TraceEvent.objects.get(stage="route", envelope__idempotency_key="erp-D1")
    assert (route.subject_key, route.outcome) == (order.number, "note")


def test_each_stage_is_on_the_order_trace(order, erp):
    post(erp, status("AC", "D1", lines=[{"line": 2, "status": "IR"}]))
    envelope = Envelope.objects.get(idempotency_key="erp-D1")
    rows = TraceEvent.objects.filter(envelope=envelope)
    assert list(rows.values_list("stage", "subject_key")) == [
        (stage, order.number) for stage in ("receive", "map", "validate", "apply", "route")
    ]
    mapped = rows.get(stage="map").data
    assert (mapped["erp_order"], mapped["erp_status"], mapped["action"]) == (
        ERP_REF,
        "AC",
        "acknowledge",
    )
