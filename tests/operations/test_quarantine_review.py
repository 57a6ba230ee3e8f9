"""The quarantine review screen: it renders and takes what the decisions registry offers."""

import re
from pathlib import Path

import pytest
from django.test import Client

from apps.quarantine.choices import ReasonCode
from apps.quarantine.models import QuarantineItem, QuarantineStatus
from tests.exchange.test_validation import receive
from tests.quarantine.test_decisions import DUPLICATE, held

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
SCREEN = [
    ROOT / "apps/operations/admin.py",
    ROOT / "apps/operations/quarantine_admin.py",
    ROOT / "apps/operations/quarantine_review.py",
    ROOT / "apps/operations/workbench.py",
    *sorted((ROOT / "templates/admin/quarantine").glob("*.html")),
]


def client_for(cast, username: str) -> Client:
    client = Client()
    client.force_login(cast.user(username))
    return client


def url_of(item: QuarantineItem) -> str:
    return f"/admin/quarantine/quarantineitem/{item.pk}/review/"


@pytest.fixture
def price_item(cast) -> QuarantineItem:
    receive(cast, "order_price_mismatch.json")
    return QuarantineItem.objects.get()


def test_the_screen_names_no_reason_code_entity_or_decision(cast):
    literals = "|".join(re.escape(code) for code in ReasonCode.values)
    branching = (
        rf"""subject_type\s*[!=]=|reason_code\s*[!=]=|action\s*(==|in\b)|["']({literals})["']"""
    )
    for screen in SCREEN:
        found = re.findall(branching, screen.read_text())
        assert not found, f"{screen.name} branches on {found}: register a decision instead"


def test_owner_sees_one_form_per_decision_form_with_unique_ids(cast, price_item):
    page = client_for(cast, "pricing").get(url_of(price_item)).content.decode()
    assert 'id="correct-form"' in page and 'id="accept-owner-price-form"' in page
    assert 'value="correct"' in page and "Accept ERP price" in page
    ids = re.findall(r'id="(id_[^"]+)"', page)
    assert "id_price_1" in ids and len(ids) == len(set(ids))
    assert "Sent price" in page  # the price columns the reason code registered


def test_a_decision_the_user_may_not_take_is_refused_on_the_hubs_page(cast, price_item):
    response = client_for(cast, "orderdesk").post(url_of(price_item), {"action": "correct"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "Only Priya Pricing (the owner of this decision) may do that." in page
    assert 'id="quarantine-item"' in page  # the review page itself, not a bare 403
    price_item.refresh_from_db()
    assert price_item.status == QuarantineStatus.OPEN


def test_the_corrector_is_told_a_second_person_must_approve(cast, price_item):
    admin = client_for(cast, "admin")
    admin.post(url_of(price_item), {"action": "accept_owner_price", "note": ""})
    page = admin.get(url_of(price_item)).content.decode()
    assert 'value="approve"' not in page
    response = admin.post(url_of(price_item), {"action": "approve", "note": ""})
    assert response.status_code == 403
    assert "a second person: you made this correction" in response.content.decode()


def test_an_invalid_correction_is_shown_back_with_its_errors(cast, price_item):
    owner = client_for(cast, "pricing")
    response = owner.post(url_of(price_item), {"action": "correct", "price_1": "-2", "note": ""})
    assert response.status_code == 200
    page = response.content.decode()
    assert "see the errors in the form" in page and "greater than or equal to 0" in page
    price_item.refresh_from_db()
    assert price_item.status == QuarantineStatus.OPEN


def test_discard_without_a_reason_is_refused_then_taken_with_one(cast):
    item = held(ReasonCode.POSSIBLE_DUPLICATE, [DUPLICATE])
    owner = client_for(cast, "orderdesk")
    page = owner.post(url_of(item), {"action": "discard", "note": " "}).content.decode()
    assert "This field is required" in page
    owner.post(url_of(item), {"action": "discard", "note": "a test account"})
    item.refresh_from_db()
    assert item.status == QuarantineStatus.DISCARDED


def test_a_decision_the_reason_code_does_not_offer_is_refused(cast, price_item):
    response = client_for(cast, "pricing").post(url_of(price_item), {"action": "same_as"})
    assert response.status_code == 409
    assert "is not a decision on price_mismatch items" in response.content.decode()
