"""Upserts of shipments, invoices, returns and refunds by natural key, with history."""

import pytest

from apps.accounts.models import CompanyAccount
from apps.core.errors import ValidationFailed
from apps.fulfillment.models import Refund, Shipment
from apps.fulfillment.services import (
    refunds_upsert_bulk,
    return_request_upsert,
    shipment_upsert,
)
from apps.orders.services import order_upsert
from apps.systems.models import System

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(cast):
    return order_upsert(
        key={"number": "HUB-T0002"},
        values={
            "account": CompanyAccount.objects.get(number="NW-1001"),
            "source_system": System.objects.get(code="storefront"),
            "currency": "USD",
        },
    )


def test_shipment_upsert_records_each_status_in_history(order):
    shipment_upsert(key={"number": "SH-1"}, values={"order": order, "carrier": "UPS"})
    shipment_upsert(key={"number": "SH-1"}, values={"status": "shipped"})
    shipment = Shipment.objects.get(number="SH-1")
    statuses = list(shipment.history.order_by("history_id").values_list("status", flat=True))
    assert statuses == ["picking", "shipped"]


def test_shipment_needs_its_order(cast):
    with pytest.raises(ValidationFailed) as refused:
        shipment_upsert(key={"number": "SH-2"}, values={"carrier": "UPS"})
    assert "order" in refused.value.fields


def test_refunds_bulk_refers_to_returns_and_names_a_bad_amount(order):
    rma = return_request_upsert(key={"number": "RMA-1"}, values={"order": order})
    rows = [
        {"reference": "RF-1", "return_request": rma, "amount": "5.00", "currency": "USD"}
        | {"status": "pending"},
        {"reference": "RF-2", "return_request": rma, "amount": "lots", "currency": "USD"}
        | {"status": "pending"},
    ]
    with pytest.raises(ValidationFailed) as refused:
        refunds_upsert_bulk(rows=rows)
    assert list(refused.value.fields) == ["rows[1].amount"]
    rows[1]["amount"] = "2.50"
    assert refunds_upsert_bulk(rows=rows).created == 2
    assert Refund.history.filter(return_request=rma).count() == 2
