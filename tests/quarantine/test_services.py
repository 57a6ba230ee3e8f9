import pytest

from apps.core.errors import InvalidTransition, PermissionRefused
from apps.exchange.services import replay_approve
from apps.orders.models import Order, OrderStatus
from apps.quarantine.models import QuarantineAction, QuarantineItem, QuarantineStatus
from apps.quarantine.services import (
    quarantine_accept_owner_prices,
    quarantine_correct_order_prices,
    quarantine_refuse_replay,
)
from tests.exchange.test_validation import receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(cast):
    receive(cast, "order_price_mismatch.json")
    return QuarantineItem.objects.get()


def test_only_the_assigned_owner_may_correct(cast, item):
    with pytest.raises(PermissionRefused, match="Priya Pricing"):
        quarantine_accept_owner_prices(item=item, actor=cast.user("orderdesk"))
    item.refresh_from_db()
    assert item.status == QuarantineStatus.OPEN


def test_integration_admin_may_correct_any_item(cast, item):
    item = quarantine_accept_owner_prices(item=item, actor=cast.user("admin"))
    assert item.status == QuarantineStatus.AWAITING_APPROVAL


def test_replay_refused_to_its_corrector(cast, item):
    item = quarantine_accept_owner_prices(item=item, actor=cast.user("pricing"))
    with pytest.raises(PermissionRefused, match="second person"):
        replay_approve(item=item, actor=cast.user("pricing"))
    item.refresh_from_db()
    assert item.status == QuarantineStatus.AWAITING_APPROVAL
    assert Order.objects.get().status == OrderStatus.QUARANTINED


def test_approval_needs_a_correction_first(cast, item):
    with pytest.raises(InvalidTransition):
        replay_approve(item=item, actor=cast.user("approver"))


def test_refusal_by_corrector_is_refused(cast, item):
    item = quarantine_accept_owner_prices(item=item, actor=cast.user("pricing"))
    with pytest.raises(PermissionRefused):
        quarantine_refuse_replay(item=item, actor=cast.user("pricing"), note="no")


def test_owner_price_decision_other_than_erp_is_marked_and_replayed(cast, item):
    item = quarantine_correct_order_prices(
        item=item, prices={1: "0.3000"}, actor=cast.user("pricing"), note="honour quote Q-9"
    )
    assert item.corrected_payload["lines"][0]["price_decided_by"] == "pricing"
    replay_approve(item=item, actor=cast.user("approver"))
    order = Order.objects.get()
    assert str(order.lines.get().unit_price) == "0.3000"
    assert order.status == OrderStatus.RECEIVED  # on its way; the ERP is unreachable here
    actions = list(QuarantineAction.objects.values_list("action", "actor__username"))
    assert actions == [("corrected", "pricing"), ("approved_replay", "approver")]


def test_correcting_to_the_erp_price_is_not_marked_as_an_override(cast, item):
    item = quarantine_correct_order_prices(
        item=item, prices={1: "0.35"}, actor=cast.user("pricing")
    )
    assert "price_decided_by" not in item.corrected_payload["lines"][0]
