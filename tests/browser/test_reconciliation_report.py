"""The settlement report in a real browser: run from the admin, read it, drill down, export."""

from pathlib import Path

import pytest
import requests

from apps.sandbox.storefront import storefront_place_order
from tests.browser.pages import follow
from tests.conftest import payload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_runs_settlement_and_reads_the_report_down_to_the_trace(live_cast, login, settings):
    settings.HUB_RECONCILE_GRACE_SECONDS = 0
    sandbox = f"{live_cast.url}/sandbox"
    placed = storefront_place_order(
        hub_url=live_cast.url, token=live_cast.token, order=payload("order_storefront_cases.json")
    )
    number = placed.json()["number"]
    requests.post(
        f"{sandbox}/gateway/captures/", json={"order": number, "amount": "42.00"}, timeout=10
    )
    requests.post(
        f"{sandbox}/erp/ledger/faults/", json={"action": "drop", "kind": "refund"}, timeout=10
    )
    requests.post(
        f"{sandbox}/gateway/refunds/", json={"order": number, "amount": "4.20"}, timeout=10
    )

    admin = login("admin")
    admin.goto(f"{live_cast.url}/admin/reconciliation/reconciliationrun/")
    admin.select_option("#run-name", "settlement")
    admin.click("#run-button")
    admin.wait_for_selector("text=The settlement reconciliation is running.")
    follow(admin, "td.field-report_link a")

    assert admin.locator("#trend rect.bar.current").count() == 1
    assert admin.inner_text("#mismatch-count") == "1"
    assert admin.inner_text("#value-at-stake") == "4.20"
    assert admin.inner_text("tr.mismatch .kind") == "refund_not_posted"
    assert "Fay Finance" in admin.inner_text("#mismatches")

    admin.select_option("#filter-resolved", "yes")
    admin.click("#filter-button")
    admin.wait_for_selector("#no-mismatches")
    admin.select_option("#filter-resolved", "no")
    admin.click("#filter-button")
    with admin.expect_download() as download:
        admin.click("#export-csv")
    assert "refund_not_posted" in Path(download.value.path()).read_text()

    follow(admin, "a.drill")
    assert "never posted" in admin.inner_text("#effect")
    assert "(missing)" in admin.inner_text("#records")
    follow(admin, "#trace-link")
    admin.wait_for_selector(f"text={number}")
    assert "/ops/trace/order/" in admin.url
