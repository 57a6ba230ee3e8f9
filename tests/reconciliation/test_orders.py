"""Orders: storefront, hub and ERP; each injected disagreement is found, and nothing else."""

import itertools
from decimal import Decimal

import pytest
import requests

from apps.api.services import partner_token_issue
from apps.exchange.services import replay_approve
from apps.orders.models import Order, OrderStatus
from apps.quarantine.models import QuarantineItem
from apps.quarantine.services import quarantine_accept_owner_prices
from apps.reconciliation.choices import RunStatus, Trigger
from apps.reconciliation.services import reconciliation_run
from apps.sandbox.storefront import storefront_place_order
from tests.conftest import payload

pytestmark = pytest.mark.django_db(transaction=True)
WEBHOOK = "/api/v1/webhooks/order-status/"
PO_NUMBERS = itertools.count(9000)


@pytest.fixture
def shop(live_cast):
    """The live cast with the ERP's webhook to the hub configured."""
    token = partner_token_issue(partner_code="erp")
    requests.post(
        f"{live_cast.url}/sandbox/erp/webhook/",
        json={"url": live_cast.url + WEBHOOK, "token": token},
        timeout=10,
    ).raise_for_status()
    return live_cast


def unique(name: str) -> dict:
    # Its own PO number: the same body again within minutes would be taken as a resend.
    return {**payload(name), "po_number": f"PO-{next(PO_NUMBERS)}"}


def place(shop, name="order_storefront_cases.json") -> Order:
    placed = storefront_place_order(hub_url=shop.url, token=shop.token, order=unique(name))
    assert placed.status_code == 201, placed.text
    return Order.objects.get(number=placed.json()["number"])


def erp_acts(shop, order: Order, action: str) -> requests.Response:
    order.refresh_from_db()
    return requests.post(
        f"{shop.url}/sandbox/erp/orders/{order.external_ref}/status/",
        json={"action": action},
        timeout=30,
    )


def fault(shop, system: str, spec: dict) -> None:
    requests.post(f"{shop.url}/sandbox/{system}/faults/", json=spec, timeout=10).raise_for_status()


def reconcile():
    run = reconciliation_run(name="orders", trigger=Trigger.COMMAND)
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run


def found(run) -> set[tuple[str, str, str]]:
    return set(run.mismatches.values_list("comparison", "key", "kind"))


def test_orders_that_went_through_agree_everywhere(shop):
    acknowledged = place(shop)
    assert erp_acts(shop, acknowledged, "acknowledge").status_code == 200
    place(shop)
    run = reconcile()
    assert found(run) == set()
    assert (run.left_count, run.right_count, run.matched_count) == (4, 4, 4)


def test_an_order_the_erp_refused_is_missing_in_the_erp(shop):
    place(shop)
    fault(shop, "erp", {"reject_sku": "ACME-BOLT-M8"})
    refused = place(shop)
    assert refused.status == OrderStatus.RECEIVED
    run = reconcile()
    assert found(run) == {("hub-erp", refused.number, "missing_in_erp")}
    mismatch = run.mismatches.get()
    assert mismatch.value_at_stake == Decimal("54.00") == run.value_at_stake
    assert mismatch.owner.user.username == "orderdesk"
    assert mismatch.quarantine_item.flow.code == "order-capture"
    assert (mismatch.subject_type, mismatch.subject_key) == ("order", refused.number)


def test_an_erp_status_the_hub_never_heard_is_a_status_mismatch(shop):
    order = place(shop)
    requests.delete(f"{shop.url}/sandbox/erp/webhook/", timeout=10)
    assert erp_acts(shop, order, "acknowledge").status_code == 409  # the ERP could not tell
    run = reconcile()
    assert found(run) == {("hub-erp", order.number, "status_mismatch")}
    mismatch = run.mismatches.get()
    assert mismatch.changed_fields == ["status"]
    assert (mismatch.left_value["status"], mismatch.right_value["status"]) == (
        "submitted",
        "acknowledged",
    )


def test_a_status_notice_the_storefront_never_got_is_a_status_mismatch(shop):
    order = place(shop)
    fault(shop, "storefront", {"status": 503})
    assert erp_acts(shop, order, "reject").status_code == 200
    run = reconcile()
    assert found(run) == {("storefront-hub", order.number, "status_mismatch")}
    assert run.mismatches.get().right_value["status"] == "rejected"


def test_an_order_the_storefront_has_no_record_of_is_missing_in_the_storefront(shop):
    place(shop)
    # Placed through the API, but the storefront lost the answer and kept no copy.
    lost = requests.post(
        f"{shop.url}/api/v1/orders/",
        json=unique("order_storefront_cases.json"),
        headers={"Authorization": f"Token {shop.token}", "Idempotency-Key": "lost-answer-1"},
        timeout=15,
    )
    assert lost.status_code == 201
    run = reconcile()
    assert found(run) == {("storefront-hub", lost.json()["number"], "missing_in_storefront")}


def test_a_price_the_owner_corrected_is_a_total_mismatch_with_the_storefront(shop):
    order = place(shop, "order_price_mismatch.json")
    item = QuarantineItem.objects.get(subject_key=order.number)
    quarantine_accept_owner_prices(item=item, actor=shop.user("pricing"))
    replay_approve(item=QuarantineItem.objects.get(pk=item.pk), actor=shop.user("approver"))
    run = reconcile()
    assert found(run) == {("storefront-hub", order.number, "total_mismatch")}
    mismatch = run.mismatches.get()
    # 2 cases of 12 at the storefront's 3.60 a case against the contract's 0.35 each.
    assert (mismatch.left_value["total"], mismatch.right_value["total"]) == ("7.20", "8.40")
    assert mismatch.value_at_stake == Decimal("1.20")
    assert mismatch.owner.user.username == "pricing"


def test_a_fixed_mismatch_closes_on_the_next_run_with_its_item(shop):
    order = place(shop)
    requests.delete(f"{shop.url}/sandbox/erp/webhook/", timeout=10)
    erp_acts(shop, order, "acknowledge")
    item = reconcile().mismatches.get().quarantine_item
    token = partner_token_issue(partner_code="erp")
    requests.post(
        f"{shop.url}/sandbox/erp/webhook/",
        json={"url": shop.url + WEBHOOK, "token": token},
        timeout=10,
    ).raise_for_status()
    assert erp_acts(shop, order, "acknowledge").status_code == 200  # the ERP re-sends
    run = reconcile()
    assert run.mismatch_count == 0 and run.closed_items == 1
    item.refresh_from_db()
    assert item.status == "resolved"
