"""A business owner fixes a quarantined order in the admin; a second person approves."""

import pytest
import requests

from apps.orders.models import Order, OrderStatus
from apps.quarantine.models import QuarantineItem
from apps.sandbox.storefront import storefront_place_order
from tests.browser.pages import follow
from tests.conftest import payload

pytestmark = pytest.mark.browser


def quarantined_order(cast) -> str:
    response = storefront_place_order(
        hub_url=cast.url, token=cast.token, order=payload("order_price_mismatch.json")
    )
    assert response.json()["status"] == "quarantined"
    return response.json()["number"]


def test_owner_corrects_price_and_approver_replays_to_erp(live_cast, login):
    number = quarantined_order(live_cast)
    owner = login("pricing")
    owner.goto(f"{live_cast.url}/admin/quarantine/quarantineitem/")
    follow(owner, f"text=order {number}")
    assert "Priya Pricing" in owner.inner_text("#quarantine-item")
    assert owner.locator("#approve-form").count() == 0
    owner.fill("#id_price_1", "0.35")
    owner.fill("#id_note", "Typo in the storefront price book")
    owner.click("button[value=correct]")
    owner.wait_for_selector("text=waits for a second person")
    assert owner.locator("#approve-form").count() == 0  # never one's own approval

    approver = login("approver")
    approver.goto(owner.url)
    assert "0.35" in approver.inner_text("#correction")
    approver.click("button[value=approve]")
    approver.wait_for_selector("text=Replay approved")
    assert approver.inner_text("#item-status") == "Replayed successfully"

    order = Order.objects.get(number=number)
    assert order.status == OrderStatus.SUBMITTED and order.external_ref.startswith("ERP-")
    received = requests.get(f"{live_cast.url}/sandbox/erp/received/", timeout=10).json()
    assert [r["body"]["hub_order_number"] for r in received["received"]] == [number]

    follow(approver, "#trace-link")
    trace = approver.inner_text("#trace")
    for stage in (
        "receive",
        "map",
        "validate",
        "quarantine",
        "human: corrected",
        "approve",
        "replay",
        "deliver",
    ):
        assert stage in trace
    assert '"unit_price": "3.60"' in approver.inner_text("pre.payload")


def test_approver_refuses_and_item_goes_back_to_its_owner(live_cast, login):
    number = quarantined_order(live_cast)
    owner = login("pricing")
    owner.goto(f"{live_cast.url}/admin/quarantine/quarantineitem/")
    follow(owner, f"text=order {number}")
    owner.click("button[value=accept_owner_price]")
    owner.wait_for_selector("text=waits for a second person")

    approver = login("approver")
    approver.goto(owner.url)
    approver.fill("#approve-form #id_note", "Check with the account manager first")
    approver.click("button[value=refuse]")
    approver.wait_for_selector("text=sent back to its owner")
    assert QuarantineItem.objects.get(subject_key=number).status == "open"
    assert Order.objects.get(number=number).status == OrderStatus.QUARANTINED
