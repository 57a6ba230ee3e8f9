"""The review screen offers each reason code's own decisions: a possible duplicate, in a browser."""

import pytest

from apps.quarantine.choices import ReasonCode
from apps.quarantine.models import QuarantineItem, QuarantineStatus
from apps.systems.models import ExternalReference
from tests.quarantine.test_decisions import DUPLICATE, held

pytestmark = pytest.mark.browser


def review(page, cast, item: QuarantineItem):
    page.goto(f"{cast.url}/admin/quarantine/quarantineitem/{item.pk}/review/")
    return page


def test_owner_maps_a_duplicate_to_its_candidate_and_approver_applies_it(live_cast, login):
    item = held(ReasonCode.POSSIBLE_DUPLICATE, [DUPLICATE])
    owner = review(login("orderdesk"), live_cast, item)
    assert owner.locator("#correct-form").count() == 0  # no price inputs on a company
    assert owner.input_value("#same-as-form input[name=same_as]") == "NW-1001"
    owner.click("text=The same company as NW-1001")
    owner.wait_for_selector("text=The mapping to NW-1001 now waits for a second person")
    assert owner.locator("#approve-form").count() == 0

    approver = review(login("approver"), live_cast, item)
    approver.fill("#approve-form textarea[name=note]", "Same tax id, checked")
    approver.click("button[value=approve]")
    approver.wait_for_selector("text=Replay approved")
    assert ExternalReference.objects.get(external_id="AC-9001").canonical_key == "NW-1001"


def test_discard_asks_for_the_reason_and_closes_the_item(live_cast, login):
    item = held(ReasonCode.POSSIBLE_DUPLICATE, [DUPLICATE])
    owner = review(login("orderdesk"), live_cast, item)
    owner.fill("#discard-form textarea[name=note]", "A test account, not a customer")
    owner.click("button[value=discard]")
    owner.wait_for_selector("text=Item discarded")
    assert owner.inner_text("#item-status") == QuarantineStatus.DISCARDED.label
    assert owner.locator("form.decision").count() == 0
