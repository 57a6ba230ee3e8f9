"""The workbench pages: queue, cause groups, bulk actions, refusals, trace, every admin list."""

import html
import re

import pytest
from django.contrib import admin
from django.db import models
from django.test import Client

from apps.exchange.models import Delivery
from apps.orders.models import Order, OrderStatus
from apps.quarantine.choices import ReasonCode
from apps.quarantine.models import QuarantineItem, QuarantineStatus, SavedQueueView
from tests.exchange.test_validation import receive
from tests.quarantine.test_decisions import DUPLICATE, held

pytestmark = pytest.mark.django_db
QUEUE = "/admin/quarantine/quarantineitem/"
GROUP = "/admin/quarantine/quarantineitem/group/"
BULK = "/admin/quarantine/quarantineitem/bulk/"
# Session, user, permissions, items, customers, owners, saved views: never one per row.
QUEUE_QUERIES = 9


def client_for(cast, username: str) -> Client:
    client = Client()
    client.force_login(cast.user(username))
    return client


def held_orders(cast, count: int, start: int = 0) -> list[QuarantineItem]:
    for number in range(start, start + count):
        receive(cast, "order_price_mismatch.json", key=f"k-{number}", po_number=f"PO-{number}")
    return list(QuarantineItem.objects.filter(flow__code="order-capture").order_by("pk"))


def statuses(items) -> set[str]:
    return set(
        QuarantineItem.objects.filter(pk__in=[i.pk for i in items]).values_list("status", flat=True)
    )


# The queue


def test_queue_row_shows_customer_flow_reason_effect_owner_and_age(cast):
    item = held_orders(cast, 1)[0]
    page = client_for(cast, "pricing").get(QUEUE).content.decode()
    row = re.search(rf'<tr[^>]*id="item-{item.pk}".*?</tr>', page, re.S).group(0)
    for expected in (
        f"order {item.subject_key}",
        "NW-1001 Northwind Traders",
        "order-capture",
        "storefront" if item.flow.source_system else "any partner",
        "Price differs from the authorised price",
        "USD ",
        "SKU ACME-BOLT-M8",
        "Priya Pricing",
        "of 1 day",
    ):
        assert expected in row, expected
    assert 'name="item"' in row  # hers: she may select it


def test_other_teams_rows_are_read_only_and_owner_filter_lists_business_owners(cast):
    held_orders(cast, 1)
    held(ReasonCode.POSSIBLE_DUPLICATE, [DUPLICATE])
    page = client_for(cast, "pricing").get(QUEUE).content.decode()
    assert page.count("read-only for you") == 1
    owners = re.search(r'<select id="f-owner".*?</select>', page, re.S).group(0)
    assert "Priya Pricing" in owners and "Otto Orderdesk" in owners
    assert "Abe Approver" not in owners and "Aud Auditor" not in owners


def test_overdue_rows_stand_out(cast):
    item = held(ReasonCode.POSSIBLE_DUPLICATE, [DUPLICATE])
    QuarantineItem.objects.filter(pk=item.pk).update(created_at="2020-01-01T00:00:00Z")
    page = client_for(cast, "orderdesk").get(f"{QUEUE}?view=overdue").content.decode()
    assert 'class="overdue ' in page and "badge overdue" in page and f"item-{item.pk}" in page


def test_queue_queries_do_not_grow_with_rows(cast, django_assert_max_num_queries):
    held_orders(cast, 2)
    client = client_for(cast, "pricing")
    with django_assert_max_num_queries(QUEUE_QUERIES):
        assert client.get(QUEUE).content.decode().count('name="item"') == 2
    held_orders(cast, 10, start=2)
    with django_assert_max_num_queries(QUEUE_QUERIES):
        assert client.get(QUEUE).content.decode().count('name="item"') == 12


def test_a_saved_view_is_listed_for_its_owner_only(cast):
    client = client_for(cast, "pricing")
    response = client.post(f"{QUEUE}views/", {"name": "overdue", "query": "view=overdue"})
    assert response.status_code == 302 and response["Location"].endswith("?view=overdue")
    assert SavedQueueView.objects.get(user=cast.user("pricing")).query == "view=overdue"
    assert 'class="saved-view">overdue<' in client.get(QUEUE).content.decode()
    assert "saved-view" not in client_for(cast, "orderdesk").get(QUEUE).content.decode()


# Groups and bulk


def test_one_group_per_cause_and_one_decision_for_all(cast):
    items = held_orders(cast, 4)
    client = client_for(cast, "pricing")
    groups = client.get(f"{QUEUE}?group=cause").content.decode()
    assert '<td class="count">4</td>' in groups
    response = client.post(GROUP, {"cause": items[0].cause, "action": "accept_owner_price"})
    assert response.status_code == 302
    assert statuses(items) == {QuarantineStatus.AWAITING_APPROVAL}
    approver = client_for(cast, "approver")
    response = approver.post(GROUP, {"cause": items[0].cause, "action": "approve", "note": "ok"})
    assert statuses(items) == {QuarantineStatus.RESOLVED}
    assert response["Location"] == f"{QUEUE}?group=cause"  # nothing of the group waits now
    assert set(Order.objects.values_list("status", flat=True)) == {OrderStatus.RECEIVED}


def test_a_group_of_another_team_is_refused_with_an_explanation(cast):
    items = held_orders(cast, 2)
    response = client_for(cast, "orderdesk").post(
        GROUP, {"cause": items[0].cause, "action": "accept_owner_price"}
    )
    assert response.status_code == 403
    assert (
        "Only Priya Pricing (the owner of this decision) may do that." in response.content.decode()
    )
    assert statuses(items) == {QuarantineStatus.OPEN}


def test_an_empty_cause_is_no_group(cast):
    held_orders(cast, 1)
    assert (
        client_for(cast, "pricing").post(GROUP, {"cause": "", "action": "discard"}).status_code
        == 404
    )


def test_bulk_discard_needs_a_reason_and_skips_other_teams_items(cast):
    mine = [held(ReasonCode.POSSIBLE_DUPLICATE, [DUPLICATE]) for _ in range(2)]
    theirs = held(ReasonCode.POSSIBLE_DUPLICATE, [DUPLICATE], owner="pricing")
    client = client_for(cast, "orderdesk")
    ids = [i.pk for i in mine] + [theirs.pk]
    client.post(BULK, {"item": ids, "decision": "discard", "note": ""})
    assert statuses(mine + [theirs]) == {QuarantineStatus.OPEN}
    response = client.post(
        BULK, {"item": ids, "decision": "discard", "note": "test orders"}, follow=True
    )
    assert "2 item(s) done; 1 not" in response.content.decode()
    assert statuses(mine) == {QuarantineStatus.DISCARDED}
    assert statuses([theirs]) == {QuarantineStatus.OPEN}
    assert mine[0].actions.get().note == "test orders"


def test_bulk_assign_to_me(cast):
    items = held_orders(cast, 2)
    client_for(cast, "pricing").post(BULK, {"item": [i.pk for i in items], "decision": "assign_me"})
    assert set(QuarantineItem.objects.values_list("assignee__username", flat=True)) == {"pricing"}


# Review: dry run, assign, comment


def test_review_shows_the_dry_run_of_the_replay(cast):
    item = held_orders(cast, 1)[0]
    client = client_for(cast, "pricing")
    client.post(f"{QUEUE}{item.pk}/review/", {"action": "correct", "price_1": "0.40", "note": ""})
    page = client_for(cast, "approver").get(f"{QUEUE}{item.pk}/review/").content.decode()
    assert "revalidated: passes" in page
    assert '<td class="before">0.3000</td><td class="after">0.40</td>' in page
    assert "decided by pricing" in page and "Receives: erp: order" in page


def test_review_assign_and_comment_land_in_history(cast):
    item = held_orders(cast, 1)[0]
    client = client_for(cast, "pricing")
    url = f"{QUEUE}{item.pk}/review/"
    client.post(url, {"action": "assign", "assignee": cast.user("pricing").pk, "note": ""})
    client.post(url, {"action": "comment", "note": "Calling the buyer"})
    page = client.get(url).content.decode()
    assert '<span id="item-assignee">pricing</span>' in page
    assert "Calling the buyer" in page and "assigned" in page


def test_review_of_another_teams_item_says_read_only(cast):
    item = held_orders(cast, 1)[0]
    page = client_for(cast, "orderdesk").get(f"{QUEUE}{item.pk}/review/").content.decode()
    assert 'id="read-only"' in page and "Priya Pricing's team" in page
    assert 'id="assign-form"' not in page and 'form method="post" id="correct-form"' not in page


# Refusals, trace, runbook


def test_a_page_refused_by_permission_is_explained_in_the_hubs_chrome(cast):
    from django.contrib.auth.models import User

    User.objects.create_user("visitor", password="x", is_staff=True)
    client = Client()
    client.force_login(User.objects.get(username="visitor"))
    response = client.get(QUEUE)
    assert response.status_code == 403
    page = response.content.decode()
    assert 'id="refusal-why"' in page and "view quarantine item" in page
    assert 'id="user-tools"' in page  # the admin's chrome, not a bare 403


def test_trace_of_an_unknown_object_is_404_and_a_known_one_in_admin_chrome(cast):
    client = client_for(cast, "auditor")
    assert client.get("/ops/trace/order/NO-SUCH/").status_code == 404
    item = held_orders(cast, 1)[0]
    page = client.get(f"/ops/trace/order/{item.subject_key}/").content.decode()
    assert 'id="user-tools"' in page and 'id="nav-sidebar"' in page
    assert '"unit_price": "3.60"' in html.unescape(page)  # pretty-printed JSON


def test_trace_of_a_known_record_with_no_events_yet_is_not_404(cast):
    page = client_for(cast, "auditor").get("/ops/trace/company_account/NW-1001/")
    assert page.status_code == 200
    assert "Nothing has happened to this object yet." in page.content.decode()
    assert client_for(cast, "auditor").get("/ops/trace/company_account/NO-1/").status_code == 404


def test_runbook_in_admin_chrome_names_the_sla(cast):
    page = (
        client_for(cast, "auditor")
        .get("/ops/runbooks/order-capture/", follow=True)
        .content.decode()
    )
    assert 'id="user-tools"' in page and "due within" in page


def test_every_admin_model_and_inline_says_what_a_row_is():
    default = models.Model.__str__
    shown = set()
    for model, model_admin in admin.site._registry.items():
        shown |= {model, *(inline.model for inline in model_admin.inlines)}
    plain = sorted(model._meta.label for model in shown if model.__str__ is default)
    assert plain == [], f"these show as 'Model object (1)': {plain}"


def test_the_order_list_shows_customer_total_and_status(cast):
    number = receive(cast, "order_storefront_cases.json")["number"]
    page = client_for(cast, "auditor").get("/admin/orders/order/").content.decode()
    row = re.search(rf"<tr>.*?{number}.*?</tr>", page, re.S).group(0)
    assert "Northwind Traders" in row and "USD 54.00" in row and "Accepted by the hub" in row


def test_a_reason_code_nobody_told_the_queue_about_still_reads_and_filters(cast):
    item = held("sku_missing_in_pim", [{"sku": "ACME-WASHER-M8", "code": "sku_missing"}])
    client = client_for(cast, "orderdesk")
    page = client.get(f"{QUEUE}?reason=sku_missing_in_pim").content.decode()
    assert f"item-{item.pk}" in page and "Sku missing in pim" in page
    assert '<option value="sku_missing_in_pim" selected>' in page
    assert f"item-{item.pk}" in client.get(f"{QUEUE}?q=AC-9001").content.decode()
    assert f"item-{item.pk}" not in client.get(f"{QUEUE}?q=NO-SUCH").content.decode()


def test_dry_run_of_a_dead_letter_names_the_target_and_its_idempotency_key(cast):
    receive(cast, "order_storefront_cases.json")  # ERP unreachable here: it retries
    delivery = Delivery.objects.get()
    item = held(ReasonCode.DELIVERY_FAILED, [{"code": "http_422", "delivery": delivery.pk}])
    client_for(cast, "orderdesk").post(f"{QUEUE}{item.pk}/review/", {"action": "request_replay"})
    page = client_for(cast, "approver").get(f"{QUEUE}{item.pk}/review/").content.decode()
    assert f"same idempotency key ({delivery.idempotency_key})" in page
    assert "revalidated: passes" in page
