"""The dashboard and the alert pages: business figures, links to their items, a fixed cost."""

import re

import pytest
from django.test import Client

from apps.monitoring.alerting import rules_evaluate
from apps.monitoring.choices import RuleKind
from apps.operations.models import Alert
from apps.quarantine.choices import ReasonCode
from tests.monitoring.conftest import hold

pytestmark = pytest.mark.django_db
# Session, user, flows, five readings (a sixth once a flow has sync runs), six figures, two
# chart series, team areas, pending changes, the badge and the admin's two permission reads.
QUERIES = 21


def as_user(cast, username: str) -> Client:
    client = Client()
    client.force_login(cast.user(username))
    return client


def test_landing_page_is_the_dashboard_and_anonymous_people_sign_in_first(cast):
    response = Client().get("/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    page = as_user(cast, "orderdesk").get("/").content.decode()
    assert "Operations dashboard" in page and 'id="user-tools"' in page


def test_signing_in_lands_on_the_dashboard(cast):
    client = Client()
    form = client.get("/admin/login/").content.decode()
    assert 'name="next" value="/"' in form
    response = client.post(
        "/admin/login/", {"username": "orderdesk", "password": "demo-pass-123", "next": "/"}
    )
    assert response.status_code == 302 and response["Location"] == "/"


def test_business_owner_sees_their_own_flows_first(cast):
    page = as_user(cast, "logistics").get("/").content.decode()
    flows = re.findall(r'data-flow="([a-z-]+)"', page)
    assert flows[0] == "inventory-update"
    page = as_user(cast, "orderdesk").get("/").content.decode()
    flows = re.findall(r'data-flow="([a-z-]+)"', page)
    assert flows[0] in {"order-capture", "order-status", "partner-webhooks"}
    assert flows.index("inventory-update") > flows.index("order-capture")


def test_figures_name_the_business_effect_and_link_to_the_items(cast):
    hold()
    hold(reason=ReasonCode.DELIVERY_FAILED, key="O-9")
    page = as_user(cast, "orderdesk").get("/").content.decode()
    panel = page.split('id="flow-order-capture"')[1].split("</section>")[0]
    assert "52.00 held" in panel
    assert "/admin/quarantine/quarantineitem/?flow=order-capture" in panel
    assert "reason=delivery_failed" in panel
    for label in (
        "Sync delay",
        "Rejected payloads",
        "Queue depth",
        "Stuck approvals",
        "Credit-check failures",
        "Settlement mismatches",
        "Manual interventions",
        "Time to recovery",
        "Stale records",
    ):
        assert label in panel


def test_charts_are_inline_svg_without_script(cast):
    hold()
    page = as_user(cast, "orderdesk").get("/").content.decode()
    assert page.count('<svg class="chart"') >= 5
    assert "records held" in page and "1 held</title>" in page
    assert "<script>" not in page.split('id="panels"')[1]


def test_dashboard_costs_a_fixed_number_of_queries(cast, django_assert_max_num_queries):
    client = as_user(cast, "orderdesk")
    client.get("/")  # warm the session and content types
    with django_assert_max_num_queries(QUERIES) as quiet:
        client.get("/")
    for n in range(5):
        hold(key=f"O-{n}")
        hold("inventory-update", key=f"I-{n}")
    with django_assert_max_num_queries(QUERIES) as busy:
        client.get("/")
    assert len(busy.captured_queries) == len(quiet.captured_queries)


def test_badge_counts_the_users_open_alerts(cast):
    hold(reason=ReasonCode.DELIVERY_FAILED)
    rules_evaluate()
    page = as_user(cast, "orderdesk").get("/").content.decode()
    assert re.search(r'id="alert-badge"[^>]*>Alerts <span class="alert-count">1</span>', page)
    page = as_user(cast, "pricing").get("/").content.decode()
    assert 'class="alert-count"' not in page


def test_owner_acknowledges_an_alert_and_others_may_not(cast):
    hold(reason=ReasonCode.DELIVERY_FAILED)
    rules_evaluate()
    alert = Alert.objects.get(rule__kind=RuleKind.DEAD_LETTERS)
    url = f"/ops/alerts/{alert.pk}/acknowledge/"
    assert as_user(cast, "pricing").post(url).status_code == 403
    response = as_user(cast, "orderdesk").post(url, follow=True)
    assert "Acknowledged" in response.content.decode()
    alert.refresh_from_db()
    assert alert.acknowledged_by == cast.user("orderdesk")


def test_alert_page_links_its_runbook_which_shows_the_current_version(cast):
    hold(reason=ReasonCode.DELIVERY_FAILED)
    rules_evaluate()
    alert = Alert.objects.get(rule__kind=RuleKind.DEAD_LETTERS)
    client = as_user(cast, "orderdesk")
    page = client.get(f"/ops/alerts/{alert.pk}/").content.decode()
    assert "/ops/flows/order-capture/runbook/" in page
    runbook = client.get("/ops/flows/order-capture/runbook/").content.decode()
    assert "Version 1" in runbook and "Recovery steps" in runbook
    assert "python manage.py flow replay order-capture" in runbook
