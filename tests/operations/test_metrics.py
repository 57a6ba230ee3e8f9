import pytest
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from apps.exchange.models import SyncRun, SyncStatus
from apps.flows.models import Flow
from apps.operations.services import alerts_evaluate
from tests.exchange.test_validation import receive

pytestmark = pytest.mark.django_db


def scrape(client=None, **headers) -> dict:
    response = (client or Client()).get("/metrics", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    series = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            series[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return series


def value(series, name, **labels):
    return series.get((name, tuple(sorted(labels.items()))))


def test_per_flow_series_follow_the_order_story(cast):
    receive(cast, "order_storefront_cases.json", key="k-1")
    receive(cast, "order_price_mismatch.json", key="k-2")
    alerts_evaluate()
    series = scrape()
    assert value(series, "hub_envelopes", flow="order-capture", status="accepted") == 2
    assert (
        value(
            series,
            "hub_quarantine_open_items",
            flow="order-capture",
            reason="price_mismatch",
            status="open",
        )
        == 1
    )
    deliveries = {k: v for k, v in series.items() if k[0] == "hub_deliveries"}
    assert sum(deliveries.values()) >= 1
    assert all(dict(labels)["flow"] == "order-capture" for _, labels in deliveries)
    assert value(series, "hub_flow_paused", flow="order-capture") == 0
    assert sum(v for k, v in series.items() if k[0] == "hub_alerts_open") == 1


def test_paused_flow_and_last_successful_sync_are_exposed(cast):
    flow = Flow.objects.get(code="order-capture")
    Flow.objects.filter(pk=flow.pk).update(is_paused=True)
    finished = timezone.now()
    SyncRun.objects.create(
        flow=flow,
        mode="full",
        status=SyncStatus.SUCCEEDED,
        started_at=finished,
        finished_at=finished,
    )
    series = scrape()
    assert value(series, "hub_flow_paused", flow="order-capture") == 1
    stamp = value(series, "hub_sync_last_success_timestamp_seconds", flow="order-capture")
    assert stamp == pytest.approx(finished.timestamp())


def test_scrape_cost_does_not_grow_with_flows_or_rows(cast, django_assert_max_num_queries):
    for n in range(3):
        receive(cast, "order_storefront_cases.json", key=f"k-{n}")
    with django_assert_max_num_queries(8):
        scrape()


def test_token_guards_metrics_when_configured(cast, settings):
    settings.HUB_METRICS_TOKEN = "scrape-secret"
    assert Client().get("/metrics").status_code == 401
    wrong = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer nope")
    assert wrong.status_code == 401
    assert scrape(HTTP_AUTHORIZATION="Bearer scrape-secret")
