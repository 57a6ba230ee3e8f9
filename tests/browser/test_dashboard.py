"""A business owner lands on the dashboard, follows a figure to its items, acknowledges the
alert, opens its runbook and downloads the flow's evidence pack."""

import zipfile

import pytest

from apps.operations.models import Alert
from apps.quarantine.choices import ReasonCode
from tests.browser.pages import follow
from tests.monitoring.conftest import hold

pytestmark = pytest.mark.browser


def test_owner_goes_from_dashboard_to_items_alert_runbook_and_evidence(live_cast, login):
    # Committed at once (a live-server test): the on-commit hook raises the alert, no beat.
    item = hold(reason=ReasonCode.DELIVERY_FAILED, key="SO-DEAD-1")
    alert = Alert.objects.get(rule__kind="dead_letters", flow__code="order-capture")

    page = login("orderdesk")
    assert page.url.rstrip("/") == live_cast.url  # signing in lands on the dashboard
    assert "Operations dashboard" in page.inner_text("#content")
    # The record's own alert and the flow's dead-letter rule alert, both Otto's.
    assert page.inner_text("#alert-badge .alert-count") == "2"
    panel = page.locator("#flow-order-capture")
    assert page.locator(".panel").first.get_attribute("data-flow") in {
        "order-capture",
        "order-status",
        "partner-webhooks",
    }
    assert panel.locator("svg.chart").count() == 1

    follow(page, panel.locator('a[data-figure="dead-letters"]'))
    assert "reason=delivery_failed" in page.url
    assert item.subject_key in page.inner_text("#content")

    page.goto(f"{live_cast.url}/")
    follow(page, "#alert-badge")
    follow(page, f'a[href="/ops/alerts/{alert.pk}/"]')
    page.click("#acknowledge")
    page.wait_for_selector("text=Alert acknowledged.")
    assert page.inner_text("#alert-state") == "Acknowledged"

    follow(page, "#runbook-link")
    page.wait_for_selector("#runbook")
    assert "Recovery steps" in page.inner_text("#runbook")

    with page.expect_download() as download:
        page.click("text=evidence pack")
    pack = zipfile.ZipFile(download.value.path())
    assert "runbook.md" in pack.namelist() and "README.md" in pack.namelist()
    assert "dead_letters" in pack.read("alerts.json").decode()
