"""The quarantine workbench in Chromium: the queue, its views, groups, bulk and refusals."""

import pytest
import requests

from apps.orders.models import Order, OrderStatus
from apps.quarantine.choices import ReasonCode
from apps.quarantine.models import QuarantineItem, QuarantineStatus
from apps.sandbox.storefront import storefront_place_order
from tests.browser.pages import follow
from tests.conftest import payload
from tests.quarantine.test_decisions import DUPLICATE, held

pytestmark = pytest.mark.browser
QUEUE = "/admin/quarantine/quarantineitem/"


def held_orders(cast, count: int) -> list[str]:
    """`count` storefront orders held for the same stale price of one SKU."""
    numbers = []
    for index in range(count):
        order = payload("order_price_mismatch.json") | {"po_number": f"PO-STALE-{index}"}
        response = storefront_place_order(hub_url=cast.url, token=cast.token, order=order)
        assert response.json()["status"] == "quarantined"
        numbers.append(response.json()["number"])
    return numbers


def erp_numbers(cast) -> list[str]:
    received = requests.get(f"{cast.url}/sandbox/erp/received/", timeout=10).json()["received"]
    return [r["body"]["hub_order_number"] for r in received]


def item_of(number: str) -> QuarantineItem:
    return QuarantineItem.objects.get(subject_key=number)


def test_owner_corrects_from_the_queue_and_a_second_person_replays_to_the_erp(live_cast, login):
    [number] = held_orders(live_cast, 1)
    owner = login("pricing")
    owner.goto(f"{live_cast.url}{QUEUE}")
    row = owner.locator(f"#item-{item_of(number).pk}")
    assert "NW-1001 Northwind Traders" in row.inner_text()
    assert "Price differs from the authorised price" in row.inner_text()
    follow(owner, row.locator(f"text=order {number}"))
    owner.fill("#id_price_1", "0.40")
    owner.fill("#correct-form #id_note", "Promotion agreed by phone")
    owner.click("button[value=correct]")
    owner.wait_for_selector("text=waits for a second person")
    assert owner.inner_text("#revalidation") == "revalidated: passes"
    assert "0.40" in owner.inner_text("#correction")
    assert "Receives: erp" in owner.inner_text("#preview")

    approver = login("approver")
    approver.goto(owner.url)
    approver.click("button[value=approve]")
    approver.wait_for_selector("text=Replay approved")
    assert erp_numbers(live_cast) == [number]
    assert Order.objects.get(number=number).status == OrderStatus.SUBMITTED
    history = approver.inner_text("#actions")
    assert "pricing: corrected" in history and "approver: approved_replay" in history


def test_the_requester_is_refused_self_approval_with_the_reason(live_cast, login):
    [number] = held_orders(live_cast, 1)
    admin = login("admin")  # an integration admin: may correct and may approve, not both
    admin.goto(f"{live_cast.url}{QUEUE}{item_of(number).pk}/review/")
    admin.click("button[value=accept_owner_price]")
    admin.wait_for_selector("text=waits for a second person")
    assert admin.locator("button[value=approve]").count() == 0
    refusals = admin.inner_text("#refusals")
    assert "Approve replay" in refusals and "you made this correction" in refusals

    # Asking anyway, over the queue's bulk bar, is refused with the same reason.
    admin.goto(f"{live_cast.url}{QUEUE}")
    admin.check(f"#item-{item_of(number).pk} input[name=item]")
    admin.select_option("#bulk-decision", "approve")
    admin.click("#bulk-bar input[type=submit]")
    admin.wait_for_selector("text=0 item(s) done; 1 not")
    assert "you made this correction" in admin.inner_text(".messagelist")
    assert item_of(number).status == QuarantineStatus.AWAITING_APPROVAL
    assert erp_numbers(live_cast) == []


def test_a_user_of_another_team_sees_the_item_read_only_and_is_told_why(live_cast, login):
    [number] = held_orders(live_cast, 1)
    other = login("orderdesk")
    other.goto(f"{live_cast.url}{QUEUE}")
    row = other.locator(f"#item-{item_of(number).pk}")
    assert "read-only for you" in row.inner_text()
    assert row.locator("input[name=item]").count() == 0
    follow(other, row.locator(f"text=order {number}"))
    assert "Priya Pricing's team" in other.inner_text("#read-only")
    assert other.locator("button[value=correct]").count() == 0
    assert "Only Priya Pricing (the owner of this decision)" in other.inner_text("#refusals")
    follow(other, "#group-link")
    assert other.locator("#no-group-decision").count() == 1
    assert item_of(number).status == QuarantineStatus.OPEN


def test_one_correction_fixes_a_group_of_orders_and_each_reaches_the_erp(live_cast, login):
    numbers = held_orders(live_cast, 5)
    owner = login("pricing")
    owner.goto(f"{live_cast.url}{QUEUE}")
    follow(owner, "#group-by-cause")
    group = owner.locator("#groups tbody tr").first
    assert group.locator("td.count").inner_text() == "5"
    follow(owner, group.locator("a"))
    assert owner.inner_text("#group-size").startswith("5 item(s), 5 line(s)")
    owner.click("button[value=accept_owner_price]")
    owner.wait_for_selector(".messagelist")
    assert "5 item(s) done" in owner.inner_text(".messagelist"), owner.inner_text("#content")

    approver = login("approver")
    approver.goto(owner.url)
    approver.fill("#approve-form textarea[name=note]", "Contract price, all five")
    approver.click("button[value=approve]")
    # Five replays, each delivered to the ERP in the request (tasks run eagerly in tests).
    approver.wait_for_selector(".messagelist", timeout=90000)
    assert "5 item(s) done" in approver.inner_text(".messagelist"), approver.inner_text("#content")
    assert sorted(erp_numbers(live_cast)) == sorted(numbers)
    assert {item_of(n).status for n in numbers} == {QuarantineStatus.RESOLVED}


def test_bulk_discard_asks_for_a_reason_and_closes_the_selection(live_cast, login):
    items = [held(ReasonCode.POSSIBLE_DUPLICATE, [DUPLICATE]) for _ in range(3)]
    owner = login("orderdesk")
    owner.goto(f"{live_cast.url}{QUEUE}?reason=possible_duplicate")
    for item in items[:2]:
        owner.check(f"#item-{item.pk} input[name=item]")
    owner.select_option("#bulk-decision", "discard")
    owner.click("#bulk-bar input[type=submit]")
    owner.wait_for_selector("text=This field is required")
    assert {i.status for i in QuarantineItem.objects.all()} == {QuarantineStatus.OPEN}

    for item in items[:2]:
        owner.check(f"#item-{item.pk} input[name=item]")
    owner.select_option("#bulk-decision", "discard")
    owner.fill("#bulk-note", "Test accounts from the CRM sandbox")
    owner.click("#bulk-bar input[type=submit]")
    owner.wait_for_selector("text=2 item(s) done")
    statuses = [QuarantineItem.objects.get(pk=i.pk).status for i in items]
    assert statuses == [QuarantineStatus.DISCARDED, QuarantineStatus.DISCARDED, "open"]
    assert items[0].actions.get().note == "Test accounts from the CRM sandbox"


def test_assign_and_comment_show_in_the_queue_and_history(live_cast, login):
    [number] = held_orders(live_cast, 1)
    owner = login("pricing")
    owner.goto(f"{live_cast.url}{QUEUE}{item_of(number).pk}/review/")
    owner.select_option("#assign_assignee", label="pricing")
    owner.fill("#assign_note", "Mine this week")
    owner.click("button[value=assign]")
    owner.wait_for_selector("text=Assignment saved")
    owner.fill("#comment_note", "Waiting for the buyer to confirm")
    owner.click("button[value=comment]")
    owner.wait_for_selector("text=Comment added")
    history = owner.inner_text("#actions")
    assert "pricing: assigned" in history and "Waiting for the buyer to confirm" in history
    owner.goto(f"{live_cast.url}{QUEUE}")
    assert owner.inner_text(f"#item-{item_of(number).pk} td.assignee") == "pricing"


def test_saved_mine_and_overdue_views(live_cast, login):
    [fresh, late] = held_orders(live_cast, 2)
    QuarantineItem.objects.filter(subject_key=late).update(created_at="2020-01-01T00:00:00Z")
    held(ReasonCode.POSSIBLE_DUPLICATE, [DUPLICATE])  # the order desk's, not hers
    owner = login("pricing")
    owner.goto(f"{live_cast.url}{QUEUE}")
    follow(owner, "#view-mine")
    owner.fill("#save-view-name", "mine")
    owner.click("#save-view input[type=submit]")
    owner.wait_for_selector("text=View “mine” saved")
    follow(owner, "#view-overdue")
    owner.fill("#save-view-name", "overdue")
    owner.click("#save-view input[type=submit]")
    owner.wait_for_selector("text=View “overdue” saved")

    owner.goto(f"{live_cast.url}{QUEUE}")
    follow(owner, "#saved-views >> text=overdue")
    rows = owner.locator("#queue-table tbody tr")
    assert rows.count() == 1 and late in rows.inner_text()
    assert "overdue" in rows.get_attribute("class")
    follow(owner, "#saved-views >> text=mine")
    shown = owner.inner_text("#queue-table tbody")
    assert fresh in shown and late in shown and "AC-9001" not in shown
