"""What a run writes, whichever way it is written (COPY on PostgreSQL, bulk_create elsewhere).

Run on both databases, these tests hold the two write paths to the same rows.
"""

from decimal import Decimal

import pytest
from django.test import RequestFactory
from simple_history.models import HistoricalRecords

from apps.flows.models import Flow
from apps.ownership.models import BusinessOwner
from apps.quarantine.models import QuarantineItem
from apps.quarantine.services import quarantine_open_bulk
from apps.reconciliation.choices import Trigger
from apps.reconciliation.engine import MISSING_RIGHT, Difference
from apps.reconciliation.models import Mismatch
from apps.reconciliation.registry import Assessment, Comparison, Reconciliation, registry
from apps.reconciliation.services import reconciliation_run


def _item(owner, flow, n: int) -> dict:
    return {
        "flow": flow,
        "reason_code": "reconciliation_mismatch",
        "message": f"Order A{n} is missing.",
        "subject_type": "order",
        "subject_key": f"A{n}",
        "payload": {"key": f"A{n}", "total": "1.50", "nested": {"é": [1, None]}},
        "problems": [{"code": "missing_in_erp"}],
        "owner": owner,
    }


@pytest.fixture
def acting(cast):
    """A request in flight, as when an integration admin presses "Run now"."""
    HistoricalRecords.context.request = request = RequestFactory().get("/")
    request.user = cast.user("admin")
    yield request.user
    del HistoricalRecords.context.request


def test_items_open_with_their_pks_fields_and_one_creation_history_row_each(acting):
    owner, flow = BusinessOwner.objects.first(), Flow.objects.get(code="order-capture")
    items = quarantine_open_bulk(items=[_item(owner, flow, n) for n in range(3)])
    assert all(item.pk for item in items)
    for n, item in enumerate(items):
        stored = QuarantineItem.objects.get(pk=item.pk)
        assert (stored.subject_key, stored.assigned_owner, stored.status) == (
            f"A{n}",
            owner,
            "open",
        )
        assert stored.payload == _item(owner, flow, n)["payload"]
        assert stored.cause and stored.cause == item.cause
        assert stored.created_at == item.created_at is not None
        (created,) = stored.history.all()
        assert (created.history_type, created.history_user, created.subject_key) == (
            "+",
            acting,
            f"A{n}",
        )
        assert created.history_change_reason is None


def _assess(d: Difference) -> Assessment:
    return Assessment(
        kind="missing_in_b" if d.kind == MISSING_RIGHT else "missing_in_a",
        effect="x" * 400,
        entity="order",
        field="status",
        action="Fix it.",
        subject_type="order",
        subject_key=d.key,
        value_at_stake=Decimal("12.34"),
    )


@pytest.fixture
def one_sided(cast):
    left = [("A1", {"total": Decimal("1.50"), "note": "é"}), ("A2", {"total": "2.00"})]
    registry.register(
        Reconciliation(
            name="one-sided",
            title="One-sided",
            flow_code="order-capture",
            comparisons=(
                Comparison("a-b", "a", "b", (), lambda c: iter(left), lambda c: iter([]), _assess),
            ),
        )
    )
    yield
    registry.unregister("one-sided")


def test_mismatches_are_stored_with_every_value_as_given(one_sided):
    run = reconciliation_run(name="one-sided", trigger=Trigger.COMMAND)
    first, second = Mismatch.objects.filter(run=run).order_by("key")
    assert (first.left_value, first.right_value) == ({"total": "1.50", "note": "é"}, None)
    assert Mismatch.objects.filter(run=run, right_value__isnull=True).count() == 2
    assert first.effect == "x" * 300 and first.value_at_stake == Decimal("12.34")
    assert first.changed_fields == [] and first.owner is not None
    assert first.created_at and first.first_seen_at and first.quarantine_item is not None
    assert second.quarantine_item.payload["mismatch"] == second.pk
    again = reconciliation_run(name="one-sided", trigger=Trigger.COMMAND)
    carried = Mismatch.objects.get(run=again, key="A1")
    assert (carried.first_seen_at, carried.quarantine_item) == (
        first.first_seen_at,
        first.quarantine_item,
    )
