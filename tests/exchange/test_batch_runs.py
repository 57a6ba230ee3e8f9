"""The batch stage's run bookkeeping, on the catalog sync over HTTP: claims, resumes, costs."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.exchange.models import SyncMode, SyncRun, SyncStatus
from apps.exchange.stages.batch import SyncBusy, batch_handler_for, sync_run
from apps.exchange.tasks import sync_run_task
from apps.flows.models import Flow
from apps.sandbox.models import PimProduct
from apps.sandbox.pim import pim_populate

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def pim(live_cast, settings):
    settings.HUB_BATCH_PAGE_SIZE = 10
    return live_cast


def a_run(**values) -> SyncRun:
    now = timezone.now()
    defaults = {"mode": SyncMode.FULL, "started_at": now, "heartbeat_at": now}
    return SyncRun.objects.create(flow=Flow.objects.get(code="catalog-sync"), **defaults | values)


def test_a_run_going_elsewhere_is_not_started_twice(pim):
    a_run(status=SyncStatus.RUNNING)
    with pytest.raises(SyncBusy):
        sync_run(name="catalog", trigger="test")


def test_a_run_whose_worker_died_is_taken_over_from_its_cursor(pim):
    pim_populate(products=25, bad_share=0)
    stale = timezone.now() - timedelta(hours=1)
    twentieth = PimProduct.objects.order_by("id").values_list("id", flat=True)[19]
    dead = a_run(status=SyncStatus.RUNNING, heartbeat_at=stale, cursor=f"id:{twentieth}", pages=2)

    run = sync_run(name="catalog", trigger="test")

    assert run.pk == dead.pk and run.status == SyncStatus.SUCCEEDED
    assert (run.pages, run.fetched) == (3, 5)  # only what came after its cursor


def test_a_run_stopped_by_the_operator_is_interrupted_and_resumes(pim):
    pim_populate(products=25, bad_share=0)
    handler = batch_handler_for("catalog")

    def stop_after_first_page(run):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sync_run(name="catalog", trigger="test", progress=stop_after_first_page)
    stopped = SyncRun.objects.get()
    assert (stopped.status, stopped.pages) == (SyncStatus.INTERRUPTED, 1)

    resumed = sync_run(name="catalog", trigger="test")
    assert (resumed.pk, resumed.pages, resumed.fetched) == (stopped.pk, 3, 25)
    assert handler.batch_name == "catalog"


def test_asking_for_another_mode_gives_up_the_unfinished_run(pim):
    pim_populate(products=5, bad_share=0)
    unfinished = a_run(status=SyncStatus.FAILED, mode=SyncMode.DELTA, cursor="id:3")

    run = sync_run(name="catalog", mode=SyncMode.FULL, trigger="test")

    unfinished.refresh_from_db()
    assert unfinished.status == SyncStatus.INTERRUPTED and "Superseded" in unfinished.error
    assert run.pk != unfinished.pk and run.fetched == 5


def test_queries_per_page_do_not_grow_with_the_page_size(pim, settings):
    def queries_of_one_full_page(size: int, prefix: str) -> int:
        pim_populate(products=size, bad_share=0)
        PimProduct.objects.update(sku=Concat(Value(prefix), F("sku")))
        settings.HUB_BATCH_PAGE_SIZE = size
        with CaptureQueriesContext(connection) as captured:
            run = sync_run(name="catalog", mode=SyncMode.FULL, trigger="test")
        assert (run.pages, run.applied, run.pushed) == (2, size, size)  # a full page, then none
        return len(captured)

    small = queries_of_one_full_page(5, "A-")
    large = queries_of_one_full_page(60, "B-")
    assert small == large
    assert large < 60


def test_the_admin_lists_runs_with_their_progress(pim, client):
    a_run(status=SyncStatus.SUCCEEDED, pages=3, fetched=250, expected=1000, applied=240)
    client.force_login(pim.user("admin"))

    page = client.get("/admin/exchange/syncrun/")

    assert page.status_code == 200
    assert "3 pages, 250 of 1000 (25%)" in page.content.decode()


def test_the_nightly_task_runs_the_sync_and_leaves_a_running_one_alone(pim, settings):
    assert settings.CELERY_BEAT_SCHEDULE["catalog-sync-nightly"]["options"]["queue"] == "bulk"
    pim_populate(products=5, bad_share=0)

    assert "catalog-sync full run" in sync_run_task("catalog")
    a_run(status=SyncStatus.RUNNING)
    assert "running right now" in sync_run_task("catalog")
    assert SyncRun.objects.filter(status=SyncStatus.SUCCEEDED).count() == 1
