"""GET of one order: lines as the ERP answered, shipments, invoices and status history, in a
fixed number of queries, and nothing of another order or partner."""

import pytest
from django.contrib.auth.models import User

from apps.fulfillment.services import invoice_upsert, shipment_upsert
from apps.orders.models import Order, OrderStatus
from apps.orders.services import order_upsert
from tests.api.partner_world import CONTOSO_ORDER, client_for, marketplace, order_post, order_to
from tests.conftest import payload

pytestmark = pytest.mark.django_db

LINES = payload("order_storefront_cases.json")["lines"]
# Token, order and account, lines, products, shipments, invoices, history, the matrix's owner
# of order status, and the access log's insert.
DETAIL_QUERIES = 9


def detail(cast, number: str) -> dict:
    answer = client_for(cast.token).get(f"/api/v1/orders/{number}/")
    assert answer.status_code == 200, answer.content
    return answer.json()


def shipped(number: str, shipment: str, lines: list, **values):
    order = Order.objects.get(number=number)
    values = {"order": order, "carrier": "UPS", "status": "shipped", "lines": lines} | values
    return shipment_upsert(key={"number": shipment}, values=values, reason="record-sync from wms")


def test_shipments_with_their_lines_and_skus(cast):
    number = order_post(client_for(cast.token), "det-1")["number"]
    order_to(number, OrderStatus.ACKNOWLEDGED)
    shipped(
        number,
        "SH-1",
        [{"line_number": 1, "quantity": "6"}, {"line_number": 2, "quantity": 40}],
        tracking_number="1Z999",
        shipped_at="2026-11-22T14:05:00Z",
    )
    shipped(number, "SH-2", [{"line_number": 2, "quantity": "60.000"}], status="picking")

    got = detail(cast, number)
    first, second = got["shipments"]
    assert first["number"] == "SH-1" and first["carrier"] == "UPS"
    assert first["tracking_number"] == "1Z999" and first["status"] == "shipped"
    assert first["shipped_at"] == "2026-11-22T14:05:00Z"
    assert first["lines"] == [
        {"line_number": 1, "sku": "ACME-BOLT-M8", "quantity": "6"},
        {"line_number": 2, "sku": "ACME-NUT-M8", "quantity": "40"},
    ]
    assert second["shipped_at"] is None and second["status"] == "picking"
    assert second["lines"] == [{"line_number": 2, "sku": "ACME-NUT-M8", "quantity": "60"}]


def test_shipment_lines_that_name_no_order_line_are_left_out_or_blank(cast):
    number = order_post(client_for(cast.token), "det-2")["number"]
    junk = [
        "a string",
        {"quantity": "3"},
        {"line_number": "1", "quantity": "3"},
        {"line_number": True, "quantity": "3"},
        {"line_number": 9, "quantity": "NaN"},
        {"line_number": 1, "quantity": "lots"},
    ]
    shipped(number, "SH-3", junk)
    shipped(number, "SH-4", {"not": "a list"})
    first, second = detail(cast, number)["shipments"]
    assert first["lines"] == [
        {"line_number": 9, "sku": "", "quantity": None},
        {"line_number": 1, "sku": "ACME-BOLT-M8", "quantity": None},
    ]
    assert second["lines"] == []


def test_invoices_only_when_the_order_has_one(cast):
    number = order_post(client_for(cast.token), "det-3")["number"]
    assert detail(cast, number)["invoices"] == []
    invoice_upsert(
        key={"number": "INV-1"},
        values={
            "order": Order.objects.get(number=number),
            "amount": "54.00",
            "currency": "USD",
            "due_date": "2027-02-05",
        },
    )
    assert detail(cast, number)["invoices"] == [
        {
            "number": "INV-1",
            "status": "open",
            "amount": "54.00",
            "currency": "USD",
            "due_date": "2027-02-05",
            "created_at": detail(cast, number)["invoices"][0]["created_at"],
        }
    ]


def test_lines_carry_the_erps_answer(cast):
    number = order_post(client_for(cast.token), "det-4")["number"]
    order = Order.objects.get(number=number)
    order.lines.filter(line_number=2).update(
        status="changed", confirmed_quantity="50", status_reason="Only 50 in stock."
    )
    line = detail(cast, number)["lines"][1]
    assert (line["status"], line["confirmed_quantity"], line["status_reason"]) == (
        "changed",
        "50.0000",
        "Only 50 in stock.",
    )


def test_status_history_says_what_when_and_by_which_system(cast):
    number = order_post(client_for(cast.token), "det-5")["number"]
    order_to(number, OrderStatus.SUBMITTED)
    order_to(number, OrderStatus.ACKNOWLEDGED)
    order = Order.objects.get(number=number)
    order.po_number = "PO-CHANGED"  # a change that is no status change
    order.save()
    order_upsert(
        key={"number": number}, values={"status": "shipped"}, reason="record-sync from wms"
    )
    admin = User.objects.filter(is_staff=True).first()
    order_upsert(key={"number": number}, values={"status": "invoiced"}, actor=admin)

    history = detail(cast, number)["status_history"]
    assert [(change["status"], change["by"]) for change in history] == [
        ("received", "storefront"),
        ("submitted", "erp"),  # the owner of order.status in the matrix
        ("acknowledged", "erp"),
        ("shipped", "wms"),  # record sync names its writer
        ("invoiced", "hub"),  # a person at the hub is never named to a partner
    ]
    times = [change["at"] for change in history]
    assert times == sorted(times)
    assert admin.username not in str(history)


def test_a_held_order_was_held_by_the_hub(cast):
    body = {"lines": [{"sku": "ACME-NUT-M8", "quantity": "1", "uom": "EA", "unit_price": "9.99"}]}
    number = order_post(client_for(cast.token), "det-6", **body)["number"]
    assert detail(cast, number)["status_history"][-1] == {
        "status": "quarantined",
        "at": detail(cast, number)["status_history"][-1]["at"],
        "by": "hub",
    }


def test_another_partners_order_and_its_shipments_are_not_found(cast):
    _, token = marketplace()
    theirs = order_post(client_for(token), "det-7", **CONTOSO_ORDER)["number"]
    shipped(theirs, "SH-THEIRS", [{"line_number": 1, "quantity": "1"}])
    mine = order_post(client_for(cast.token), "det-8")["number"]
    assert client_for(cast.token).get(f"/api/v1/orders/{theirs}/").status_code == 404
    assert detail(cast, mine)["shipments"] == []


def big_order(cast, lines: int, shipments: int, invoices: int) -> str:
    body = payload("order_storefront_cases.json") | {"po_number": f"PO-{lines}"}
    body["lines"] = [LINES[index % len(LINES)] for index in range(lines)]
    number = order_post(client_for(cast.token), f"big-{lines}", **body)["number"]
    order_to(number, OrderStatus.SUBMITTED)
    order_to(number, OrderStatus.ACKNOWLEDGED)
    for index in range(shipments):
        rows = [{"line_number": n, "quantity": "1"} for n in range(1, lines + 1)]
        shipped(number, f"SH-{lines}-{index}", rows)
    order = Order.objects.get(number=number)
    for index in range(invoices):
        invoice_upsert(
            key={"number": f"INV-{lines}-{index}"},
            values={"order": order, "amount": "1.00", "currency": "USD"},
        )
    order_to(number, OrderStatus.SHIPPED)
    return number


def queries_for(cast, number, django_assert_max_num_queries, limit) -> int:
    with django_assert_max_num_queries(limit) as captured:
        detail(cast, number)
    return len(captured)


def test_queries_do_not_grow_with_lines_shipments_or_invoices(cast, django_assert_max_num_queries):
    small = big_order(cast, lines=1, shipments=0, invoices=0)
    large = big_order(cast, lines=40, shipments=8, invoices=3)
    detail(cast, small)  # the token's first use writes last_used_at
    one = queries_for(cast, small, django_assert_max_num_queries, limit=DETAIL_QUERIES)
    queries_for(cast, large, django_assert_max_num_queries, limit=one)
    assert len(detail(cast, large)["shipments"][0]["lines"]) == 40
