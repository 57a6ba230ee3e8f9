"""Settlement: each posting fault (drop, delay, double) is found, and nothing else is."""

from decimal import Decimal

import pytest
import requests

from apps.quarantine.models import QuarantineItem, QuarantineStatus
from apps.reconciliation.choices import RunStatus, Trigger
from apps.reconciliation.services import reconciliation_run

pytestmark = pytest.mark.django_db(transaction=True)


def settle():
    run = reconciliation_run(name="settlement", trigger=Trigger.COMMAND)
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run


def found(run) -> set[tuple[str, str]]:
    return set(run.mismatches.values_list("key", "kind"))


def test_postings_that_agree_make_no_mismatch(sandbox):
    sandbox.capture("HUB-1", "42.00")
    sandbox.refund("HUB-1", "4.20")
    run = settle()
    assert (run.left_count, run.right_count, run.matched_count, run.mismatch_count) == (2, 2, 2, 0)


def test_a_dropped_refund_posting_is_a_refund_cleared_but_never_posted(sandbox):
    sandbox.capture("HUB-1", "42.00")
    sandbox.ledger_fault(action="drop", kind="refund", count=1)
    lost = sandbox.refund("HUB-1", "4.20")
    sandbox.refund("HUB-2", "1.00")
    run = settle()
    assert found(run) == {(lost, "refund_not_posted")}
    mismatch = run.mismatches.get()
    assert mismatch.value_at_stake == run.value_at_stake == Decimal("4.20")
    assert mismatch.owner.user.username == "finance"
    assert mismatch.right_value is None and mismatch.left_value["amount"] == "4.20"
    assert "never posted" in mismatch.effect
    item = mismatch.quarantine_item
    assert item.status == QuarantineStatus.OPEN and item.assigned_owner == mismatch.owner
    assert (item.subject_type, item.subject_key, item.flow.code) == (
        "order",
        "HUB-1",
        "returns-refunds",
    )


def test_a_doubled_posting_is_found_with_the_fields_that_differ(sandbox):
    sandbox.ledger_fault(action="double", count=1)
    twice = sandbox.capture("HUB-3", "10.00")
    sandbox.capture("HUB-4", "11.00")
    run = settle()
    assert found(run) == {(twice, "posted_twice")}
    mismatch = run.mismatches.get()
    assert mismatch.changed_fields == ["postings", "amount"]
    assert mismatch.right_value["amount"] == "20.00" and mismatch.value_at_stake == 10


def test_a_delayed_posting_is_missing_until_it_arrives_then_closes_on_the_next_run(sandbox):
    sandbox.ledger_fault(action="delay", delay_seconds=3600, count=1)
    late = sandbox.refund("HUB-5", "7.50")
    first = settle()
    assert found(first) == {(late, "refund_not_posted")}
    item = first.mismatches.get().quarantine_item

    again = settle()  # still missing: the same item carries on, no second one opens
    assert found(again) == {(late, "refund_not_posted")}
    assert again.mismatches.get().quarantine_item == item and again.opened_items == 0
    assert QuarantineItem.objects.filter(reason_code="reconciliation_mismatch").count() == 1

    sandbox.post("erp/ledger/release/")
    settled = settle()
    assert settled.mismatch_count == 0
    assert (settled.resolved_count, settled.closed_items) == (1, 1)
    item.refresh_from_db()
    assert item.status == QuarantineStatus.RESOLVED
    assert not first.mismatches.filter(resolved_at__isnull=True).exists()
    assert first.mismatches.get().resolved_by_run == settled


def test_a_posting_the_gateway_never_cleared_is_found(sandbox, live_cast):
    sandbox.capture("HUB-6", "5.00")
    from apps.sandbox_finance.models import LedgerPosting

    posting = LedgerPosting.objects.get()
    LedgerPosting.objects.create(
        transaction_reference="TX-99999999",
        kind="refund",
        order_number="HUB-6",
        amount="5.00",
        visible_at=posting.visible_at,
    )
    assert found(settle()) == {("TX-99999999", "posting_without_payment")}


def test_an_unreachable_ledger_fails_the_run_and_resolves_nothing(sandbox, live_cast):
    sandbox.ledger_fault(action="drop", count=1)
    sandbox.capture("HUB-7", "3.00")
    open_run = settle()
    assert open_run.mismatch_count == 1
    from apps.systems.models import System

    System.objects.filter(code="erp").update(base_url="http://127.0.0.1:9/sandbox/erp/")
    failed = reconciliation_run(name="settlement", trigger=Trigger.COMMAND)
    assert failed.status == RunStatus.FAILED and "unreachable" in failed.error
    assert open_run.mismatches.get().resolved_at is None
    assert open_run.mismatches.get().quarantine_item.status == QuarantineStatus.OPEN


def test_fault_spec_is_checked(sandbox):
    response = requests.post(
        f"{sandbox.url}/sandbox/erp/ledger/faults/", json={"action": "lose"}, timeout=10
    )
    assert response.status_code == 400 and "action" in response.json()["error"]
