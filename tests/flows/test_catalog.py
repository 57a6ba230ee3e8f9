"""The seeded catalog: every flow DESIGN.md ships, each on its queue, honest about being built."""

import pytest
from django.conf import settings
from django.test import Client

from apps.flows.models import BuildStatus, Flow, FlowPattern
from apps.sandbox.demo_runner import worker_args
from integration_hub.celery import app

pytestmark = pytest.mark.django_db

FLOWS = "/admin/flows/flow/"
# DESIGN.md, "Flows shipped in the catalog": code → (source, target, pattern, queue).
CATALOG = {
    "catalog-sync": ("pim", "storefront", FlowPattern.BATCH_PULL, "bulk"),
    "price-list-sync": ("erp", "storefront", FlowPattern.SCHEDULED_BATCH, "bulk"),
    "account-sync": ("crm", "storefront", FlowPattern.BATCH_AND_EVENTS, "bulk"),
    "inventory-update": ("wms", "storefront", FlowPattern.EVENTS, "events"),
    "order-capture": ("storefront", "erp", FlowPattern.REAL_TIME, "orders"),
    "order-status": ("erp", "storefront", FlowPattern.EVENTS, "orders"),
    "ship-notice": ("wms", "erp", FlowPattern.EVENTS, "events"),
    "invoice": ("erp", "storefront", FlowPattern.EVENTS, "events"),
    "returns-refunds": ("storefront", "erp", FlowPattern.EVENTS, "events"),
    # Any procurement partner may punch out: no one source system.
    "punchout": (None, "storefront", FlowPattern.SESSION, "orders"),
    # Master-data writes from any system end in the hub's own records.
    "record-sync": (None, None, FlowPattern.REAL_TIME, "events"),
    # Issue 18: order events to partners, signed; each goes to its own partner's endpoint.
    "partner-webhooks": (None, None, FlowPattern.EVENTS, "events"),
}
BUILT = {"order-capture", "order-status", "record-sync"}
# Issue 14: the price-list sync and the inventory events (with their snapshot resync).
BUILT |= {"price-list-sync", "inventory-update"}
# Issue 14: the catalog sync from the PIM (a batch of SyncRuns).
BUILT |= {"catalog-sync"}
# Issue 18: the partner webhooks.
BUILT |= {"partner-webhooks"}


def admin_page(cast, url: str) -> str:
    client = Client()
    client.force_login(cast.user("admin"))
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def route(flow: Flow) -> tuple:
    source, target = flow.source_system, flow.target_system
    return (source and source.code, target and target.code, flow.pattern, flow.queue)


def test_every_design_flow_is_seeded_on_its_route_pattern_and_queue(cast):
    flows = {flow.code: route(flow) for flow in Flow.objects.select_related("source_system")}
    assert flows == CATALOG


@pytest.mark.parametrize("code", CATALOG)
def test_each_flow_declares_owner_runbook_schedule_sla_and_policies(cast, code):
    flow = Flow.objects.get(code=code)
    # Every choice is valid and no required field is blank, as an admin save would check.
    flow.full_clean()
    assert flow.owner.user.is_active
    assert flow.runbook.startswith("1. ")
    assert flow.schedule and len(flow.schedule_description) > len(flow.schedule)
    assert flow.freshness_sla.total_seconds() > 0
    assert flow.max_attempts > 0 and flow.retry_window.total_seconds() > 0
    assert 0 < flow.backoff_base_seconds <= flow.backoff_max_seconds


def test_only_the_flows_the_hub_runs_are_marked_implemented(cast):
    built = Flow.objects.filter(build_status=BuildStatus.IMPLEMENTED)
    assert set(built.values_list("code", flat=True)) == BUILT


@pytest.mark.parametrize("code", sorted(set(CATALOG) - BUILT))
def test_a_flow_not_built_says_so_on_its_admin_page(cast, code):
    page = admin_page(cast, f"{FLOWS}{Flow.objects.get(code=code).pk}/change/")
    assert 'id="flow-not-built"' in page
    assert "the hub does not run it" in page


@pytest.mark.parametrize("code", sorted(BUILT))
def test_a_built_flow_page_does_not_claim_to_be_unbuilt(cast, code):
    page = admin_page(cast, f"{FLOWS}{Flow.objects.get(code=code).pk}/change/")
    assert 'id="flow-not-built"' not in page
    assert "Not built yet" not in page
    assert "Implemented: the hub runs this flow" in page


def test_build_status_is_shown_not_editable(cast):
    flow = Flow.objects.get(code="catalog-sync")
    assert 'name="build_status"' not in admin_page(cast, f"{FLOWS}{flow.pk}/change/")
    listed = admin_page(cast, FLOWS)
    assert listed.count("Not built yet") >= len(CATALOG) - len(BUILT)


def test_beat_tasks_run_on_their_own_queue_not_behind_flow_work():
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        if entry.get("options", {}).get("queue") == "bulk":
            continue  # a nightly batch sync is flow work: on the bulk queue, by its entry
        queue = app.amqp.router.route({}, entry["task"], args=(), kwargs={})["queue"]
        assert queue.name == settings.HUB_BEAT_QUEUE
    assert settings.HUB_BEAT_QUEUE not in settings.HUB_FLOW_QUEUES


def test_orders_never_share_a_queue_with_bulk_syncs(cast):
    queues = dict(Flow.objects.values_list("code", "queue"))
    batch = Flow.objects.filter(pattern__in=[FlowPattern.BATCH_PULL, FlowPattern.SCHEDULED_BATCH])
    assert queues["order-capture"] == queues["order-status"] == "orders"
    assert {flow.queue for flow in batch} == {"bulk"}


def test_every_flow_queue_is_one_the_demo_worker_listens_to(cast):
    args = worker_args()
    listened = set(args[args.index("-Q") + 1].split(","))
    assert listened == set(settings.HUB_QUEUES)
    assert set(Flow.objects.values_list("queue", flat=True)) <= listened
    assert {settings.HUB_BEAT_QUEUE, "celery"} <= listened


def test_a_flow_offers_only_the_flow_class_queues():
    offered = [name for name, _ in Flow._meta.get_field("queue").choices]
    assert offered == list(settings.HUB_FLOW_QUEUES)
