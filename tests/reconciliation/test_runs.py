"""Runs through the service, the command, the admin report and the quarantine decisions.

The sides here are lists registered as a reconciliation of their own: everything after the
sides (classification, recording, owners, quarantine, reports) is the production code.
"""

from io import StringIO

import pytest
import tablib
from django.core.management import CommandError, call_command
from django.urls import reverse

from apps.core.errors import TransportError
from apps.quarantine.decisions import registry as decisions
from apps.quarantine.models import QuarantineItem, QuarantineStatus
from apps.reconciliation.choices import RunStatus, Trigger
from apps.reconciliation.definitions.orders import FIELDS
from apps.reconciliation.engine import MISSING_LEFT, MISSING_RIGHT, Difference
from apps.reconciliation.models import ReconciliationRun
from apps.reconciliation.registry import Assessment, Comparison, Reconciliation, registry
from apps.reconciliation.services import reconciliation_run

SIDES = {"left": {}, "right": {}}


def _rows(side):
    def rows(context):
        if SIDES[side] is None:
            raise TransportError("the ledger did not answer", retryable=True)
        return iter(sorted(SIDES[side].items()))

    return rows


def _assess(d: Difference) -> Assessment:
    kind = {MISSING_LEFT: "missing_in_a", MISSING_RIGHT: "missing_in_b"}.get(d.kind)
    return Assessment(
        kind=kind or f"{d.fields[0]}_mismatch",
        effect=f"{d.key} differs",
        entity="order",
        field="status",
        action="Fix it at the source.",
        subject_type="order",
        subject_key=d.key,
        value_at_stake=1,
    )


@pytest.fixture
def listed(cast):
    SIDES["left"] = {
        "A1": {"status": "open", "total": "1.00"},
        "A2": {"status": "open", "total": "2.00"},
    }
    SIDES["right"] = {
        "A2": {"status": "shut", "total": "2.00"},
        "A3": {"status": "open", "total": "3.00"},
    }
    registry.register(
        Reconciliation(
            name="listed",
            title="Lists",
            flow_code="order-capture",
            comparisons=(
                Comparison("a-b", "a", "b", FIELDS, _rows("left"), _rows("right"), _assess),
            ),
        )
    )
    yield cast
    registry.unregister("listed")


def run():
    return reconciliation_run(name="listed", trigger=Trigger.COMMAND)


def test_a_run_records_each_mismatch_with_owner_and_opens_one_item_each(listed):
    first = run()
    assert first.status == RunStatus.SUCCEEDED
    assert first.counts == {"a-b:missing_in_a": 1, "a-b:missing_in_b": 1, "a-b:status_mismatch": 1}
    assert (first.left_count, first.right_count, first.matched_count) == (2, 2, 0)
    assert first.opened_items == 3 and first.value_at_stake == 3
    for mismatch in first.mismatches.all():
        assert mismatch.owner.user.username == "orderdesk"
        assert mismatch.quarantine_item.reason_code == "reconciliation_mismatch"
        assert mismatch.quarantine_item.assigned_owner == mismatch.owner


def test_resolved_mismatches_close_with_their_items_and_the_rest_carry_on(listed):
    first = run()
    SIDES["right"]["A2"]["status"] = "open"  # fixed at the source
    second = run()
    assert set(second.mismatches.values_list("key", flat=True)) == {"A1", "A3"}
    assert (second.opened_items, second.resolved_count, second.closed_items) == (0, 1, 1)
    fixed = first.mismatches.get(key="A2")
    assert fixed.resolved_by_run == second
    assert fixed.quarantine_item.status == QuarantineStatus.RESOLVED
    carried = second.mismatches.get(key="A1")
    assert carried.quarantine_item == first.mismatches.get(key="A1").quarantine_item
    assert carried.first_seen_at == first.mismatches.get(key="A1").first_seen_at


def test_an_accepted_difference_is_not_reopened(listed):
    item = run().mismatches.get(key="A1").quarantine_item
    decision = decisions.decision_for(
        item=item, user=listed.user("orderdesk"), name="accept_difference"
    )
    decision.take(item=item, actor=listed.user("orderdesk"), data={"note": "Known test order."})
    again = run()
    assert again.opened_items == 0
    assert QuarantineItem.objects.get(pk=item.pk).status == QuarantineStatus.DISCARDED


def test_recheck_runs_the_reconciliation_again_and_closes_what_agrees(
    listed, django_capture_on_commit_callbacks
):
    item = run().mismatches.get(key="A2").quarantine_item
    SIDES["right"]["A2"]["status"] = "open"
    owner = listed.user("orderdesk")
    decision = decisions.decision_for(item=item, user=owner, name="recheck")
    with django_capture_on_commit_callbacks(execute=True):
        decision.take(item=item, actor=owner, data={"note": ""})
    item.refresh_from_db()
    assert item.status == QuarantineStatus.RESOLVED


def test_replay_is_not_offered_on_a_mismatch(listed):
    item = run().mismatches.first().quarantine_item
    names = {d.name for d in decisions.for_reason(item.reason_code)}
    assert "request_replay" not in names and {"recheck", "accept_difference"} <= names


def test_a_side_that_fails_fails_the_run_and_resolves_nothing(listed):
    first = run()
    SIDES["right"] = None
    failed = run()
    assert failed.status == RunStatus.FAILED and "did not answer" in failed.error
    assert not first.mismatches.filter(resolved_at__isnull=False).exists()
    # The next good run compares with the last good one, not the failed one.
    SIDES["right"] = {
        "A2": {"status": "shut", "total": "2.00"},
        "A3": {"status": "open", "total": "3.00"},
    }
    assert run().opened_items == 0


def test_the_command_prints_one_summary_line(listed):
    out = StringIO()
    call_command("reconcile", "listed", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1
    assert "reconcile listed run" in lines[0] and "mismatches=3" in lines[0]
    assert "a-b:missing_in_a=1" in lines[0] and "opened=3" in lines[0]


def test_the_command_fails_loudly_when_a_side_fails(listed):
    SIDES["left"] = None
    with pytest.raises(CommandError, match="failed: the ledger did not answer"):
        call_command("reconcile", "listed", stdout=StringIO())


def test_the_command_refuses_an_unknown_name(listed):
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("reconcile", "nonsense")


def test_the_report_shows_totals_trend_and_filters(listed, client, django_assert_max_num_queries):
    run()
    latest = run()
    client.force_login(listed.user("admin"))
    url = reverse("admin:reconciliation_run_report", args=[latest.pk])
    with django_assert_max_num_queries(20):
        page = client.get(url).content.decode()
    assert page.count('class="bar') == 2 and "current" in page
    assert page.count('class="mismatch"') == 3 and 'id="value-at-stake">3.00' in page
    filtered = client.get(url, {"kind": "missing_in_a"}).content.decode()
    assert filtered.count('class="mismatch"') == 1
    assert client.get(url, {"resolved": "yes"}).content.decode().count('class="mismatch"') == 0


def test_the_report_exports_csv_and_xlsx(listed, client):
    latest = run()
    client.force_login(listed.user("admin"))
    url = reverse("admin:reconciliation_run_report", args=[latest.pk])
    csv = client.get(url, {"format": "csv", "kind": "status_mismatch"})
    assert csv["Content-Type"] == "text/csv"
    rows = tablib.Dataset().load(csv.content.decode(), format="csv")
    assert rows["key"] == ["A2"] and rows["changed fields"] == ["status"]
    xlsx = client.get(url, {"format": "xlsx"})
    assert sorted(tablib.Dataset().load(xlsx.content, format="xlsx")["key"]) == ["A1", "A2", "A3"]


def test_a_mismatch_drills_down_to_both_records_and_the_trace(listed, client):
    mismatch = run().mismatches.get(key="A2")
    client.force_login(listed.user("auditor"))
    page = client.get(reverse("admin:reconciliation_mismatch", args=[mismatch.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'class="changed"><th>status</th>' in text and "shut" in text
    assert reverse("operations:trace", args=["order", "A2"]) in text


def test_only_an_integration_admin_runs_from_the_admin(
    listed, client, django_capture_on_commit_callbacks
):
    url = reverse("admin:reconciliation_run_now")
    client.force_login(listed.user("orderdesk"))
    assert client.post(url, {"name": "listed"}).status_code == 403
    client.force_login(listed.user("admin"))
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"name": "listed"}).status_code == 302
    run_ = ReconciliationRun.objects.get(name="listed")
    assert (run_.trigger, run_.started_by.username) == (Trigger.ADMIN, "admin")
