import pytest
from django.test import Client

from apps.accounts.models import CompanyAccount
from apps.exchange.services import replay_approve
from apps.operations.models import Alert, AlertStatus
from apps.operations.services import alerts_evaluate
from apps.quarantine.models import QuarantineItem
from apps.quarantine.services import quarantine_accept_owner_prices
from apps.systems.models import ExternalReference
from integration_hub.celery import app as celery_app
from tests.exchange.test_record_replay import new_company
from tests.exchange.test_record_sync import World
from tests.exchange.test_validation import receive

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_touching_anything(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_checks_database_and_broker(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_readyz_is_503_when_the_broker_is_unreachable(client, monkeypatch):
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:9/0")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["broker"].startswith("error")


def test_trace_is_for_staff_only(cast):
    number = receive(cast, "order_storefront_cases.json")["number"]
    assert Client().get(f"/ops/trace/order/{number}/").status_code == 302
    staff = Client()
    staff.force_login(cast.user("auditor"))
    page = staff.get(f"/ops/trace/order/{number}/").content.decode()
    assert "Mapped with order-capture mapping v1" in page
    assert "PO-7781" in page  # the payload as received


def test_runbook_names_owner_and_escalation(cast):
    staff = Client()
    staff.force_login(cast.user("auditor"))
    page = staff.get("/ops/runbooks/order-capture/", follow=True).content.decode()
    assert "Otto Orderdesk" in page and "ops-lead@example.com" in page


def test_alert_raised_once_and_closed_when_the_item_is_settled(cast, mailoutbox):
    receive(cast, "order_price_mismatch.json")
    assert alerts_evaluate() == 1
    assert alerts_evaluate() == 0
    item = quarantine_accept_owner_prices(
        item=QuarantineItem.objects.get(), actor=cast.user("pricing")
    )
    alerts_evaluate()
    assert Alert.objects.get().status == AlertStatus.OPEN  # still waits for the approver
    replay_approve(item=item, actor=cast.user("approver"))
    alerts_evaluate()
    assert Alert.objects.get().status == AlertStatus.CLOSED


def test_business_owner_sees_quarantine_queue_auditor_cannot_act(cast):
    receive(cast, "order_price_mismatch.json")
    item = QuarantineItem.objects.get()
    auditor = Client()
    auditor.force_login(cast.user("auditor"))
    page = auditor.get(f"/admin/quarantine/quarantineitem/{item.pk}/review/").content.decode()
    assert "Priya Pricing" in page and 'value="accept_owner_price"' not in page
    # What the auditor may not do is named, with who may (the workbench explains refusals).
    assert 'id="refusals"' in page and "Only Priya Pricing" in page
    response = auditor.post(
        f"/admin/quarantine/quarantineitem/{item.pk}/review/", {"action": "approve"}
    )
    assert response.status_code == 403


def test_duplicate_is_decided_on_the_review_screen_by_owner_then_approver(cast):
    CompanyAccount.objects.filter(number="NW-1001").update(tax_id="31-1234567")
    new_company(World(cast), tax_id="31-1234567")
    item = QuarantineItem.objects.get(reason_code="possible_duplicate")
    url = f"/admin/quarantine/quarantineitem/{item.pk}/review/"
    owner, approver = Client(), Client()
    owner.force_login(cast.user("orderdesk"))
    approver.force_login(cast.user("approver"))
    page = owner.get(url).content.decode()
    assert "The same company as NW-1001" in page and "same tax id" in page
    owner.post(url, {"action": "same_as", "note": ""})
    approver.post(url, {"action": "approve", "note": "checked the tax id"})
    item.refresh_from_db()
    assert item.status == "resolved"
    assert ExternalReference.objects.get(external_id="CRM-77").canonical_key == "NW-1001"
