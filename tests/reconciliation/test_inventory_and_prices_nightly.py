"""Beat's nightly entry runs every reconciliation, inventory and prices among them, and their
quarantine items group by cause in the workbench (one group decision per kind of mismatch)."""

import pytest
import requests
from celery import current_app

from apps.exchange.models import SyncMode
from apps.exchange.stages.batch import sync_run
from apps.quarantine.models import QuarantineItem
from apps.quarantine.selectors import queue_groups
from apps.reconciliation.choices import RunStatus, Trigger
from apps.reconciliation.models import ReconciliationRun
from apps.reconciliation.services import reconciliation_run

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_nightly_entry_runs_all_four_on_the_bulk_queue(live_cast, settings, monkeypatch):
    entry = settings.CELERY_BEAT_SCHEDULE["reconciliation-nightly"]
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({3}, {0})
    assert entry["options"]["queue"] == "bulk"
    queued = []
    task = current_app.tasks["reconciliation.run"]
    original = task.apply_async

    def record(*args, **kwargs):
        queued.append((kwargs["kwargs"]["name"], kwargs["queue"]))
        return original(*args, **kwargs)

    monkeypatch.setattr(task, "apply_async", record)
    current_app.tasks[entry["task"]].apply().get()
    assert sorted(queued) == [
        ("inventory", "bulk"),
        ("orders", "bulk"),
        ("prices", "bulk"),
        ("settlement", "bulk"),
    ]
    runs = ReconciliationRun.objects.filter(trigger=Trigger.BEAT)
    assert {(run.name, run.status) for run in runs} == {
        (name, RunStatus.SUCCEEDED) for name in ("inventory", "orders", "prices", "settlement")
    }


def test_mismatches_of_one_kind_share_a_cause_and_group_together(live_cast):
    levels = [
        {"sku": sku, "location": "DC-EAST", "on_hand": 40, "available": 40}
        for sku in ("ACME-BOLT-M8", "ACME-NUT-M8", "ACME-GLOVE-L")
    ]
    url = f"{live_cast.url}/sandbox/"
    requests.post(url + "wms/stock/", json={"levels": levels}, timeout=15).raise_for_status()
    for spec in (
        {"action": "drift", "sku": "ACME-BOLT-M8", "by": "9"},
        {"action": "drift", "sku": "ACME-NUT-M8", "by": "-9"},
        {"action": "drop", "sku": "ACME-GLOVE-L"},
    ):
        fault = {"kind": "inventory", **spec}
        requests.post(url + "storefront/listing/faults/", json=fault, timeout=15).raise_for_status()
    sync_run(name="inventory", mode=SyncMode.SNAPSHOT, trigger="test")

    run = reconciliation_run(name="inventory", trigger=Trigger.COMMAND)

    assert run.opened_items == 3
    items = QuarantineItem.objects.filter(reason_code="reconciliation_mismatch")
    drifts = {item.cause for item in items if item.payload["kind"] == "quantity_drift"}
    assert drifts == {
        "Two systems disagree (reconciliation): inventory wms-storefront: quantity_drift"
    }
    missing = items.get(payload__kind="missing_in_storefront").cause
    # Named by its reconciliation: orders' own missing_in_storefront items are another group.
    assert missing.endswith("inventory wms-storefront: missing_in_storefront")
    groups = {g["cause"]: g["count"] for g in queue_groups(items)}
    assert groups == {drifts.pop(): 2, missing: 1}
