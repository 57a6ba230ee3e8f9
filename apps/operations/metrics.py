"""`/metrics` in Prometheus format: per-flow series read from the database at scrape time.

The hub's state lives in the database (envelopes, outbox, quarantine, sync runs), not in any one
process, so the series are computed from it on each scrape: every gunicorn worker answers the
same figures, and a restarted worker loses nothing. A fixed number of grouped queries per scrape,
whatever the number of flows.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.db.models import Count, Max, Min, Q
from django.http import HttpResponse
from django.utils import timezone
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily

from apps.exchange.models import Delivery, DeliveryStatus, Envelope, SyncRun, SyncStatus
from apps.flows.models import Flow
from apps.operations.models import Alert, AlertStatus
from apps.quarantine.models import QuarantineItem, QuarantineStatus

WAITING_DELIVERIES = [DeliveryStatus.PENDING, DeliveryStatus.RETRYING]
OPEN_ITEMS = [QuarantineStatus.OPEN, QuarantineStatus.AWAITING_APPROVAL]


class HubCollector:
    """Yields the hub's business series; registered on a registry of its own."""

    def collect(self):
        codes = dict(Flow.objects.values_list("pk", "code"))
        now = timezone.now()
        yield self._flows(codes)
        yield from self._envelopes(codes)
        yield from self._deliveries(codes, now)
        yield self._quarantine(codes, now)
        yield self._alerts()
        yield from self._sync_runs(codes)

    def _flows(self, codes):
        paused = GaugeMetricFamily(
            "hub_flow_paused",
            "1 when the flow is paused or draining by an operator, else 0.",
            labels=["flow"],
        )
        for flow in Flow.objects.only("pk", "is_paused", "is_draining"):
            paused.add_metric([codes[flow.pk]], int(flow.is_paused or flow.is_draining))
        return paused

    def _envelopes(self, codes):
        received = GaugeMetricFamily(
            "hub_envelopes",
            "Inbound payloads stored by the hub, by flow and status.",
            labels=["flow", "status"],
        )
        rows = Envelope.objects.values("flow_id", "status").annotate(n=Count("id"))
        for row in rows.order_by():
            received.add_metric([codes[row["flow_id"]], row["status"]], row["n"])
        yield received

    def _deliveries(self, codes, now):
        outbox = GaugeMetricFamily(
            "hub_deliveries",
            "Outbox rows by flow, target system and status (dead = dead letters).",
            labels=["flow", "target", "status"],
        )
        rows = Delivery.objects.values("flow_id", "target_system__code", "status")
        for row in rows.annotate(n=Count("id")).order_by():
            labels = [codes[row["flow_id"]], row["target_system__code"], row["status"]]
            outbox.add_metric(labels, row["n"])
        yield outbox
        delay = GaugeMetricFamily(
            "hub_delivery_oldest_due_seconds",
            "How long the oldest due delivery of each flow has been waiting (sync delay).",
            labels=["flow"],
        )
        due = Delivery.objects.filter(status__in=WAITING_DELIVERIES, next_attempt_at__lte=now)
        for row in due.values("flow_id").annotate(oldest=Min("next_attempt_at")).order_by():
            delay.add_metric([codes[row["flow_id"]]], (now - row["oldest"]).total_seconds())
        yield delay

    def _quarantine(self, codes, now):
        waiting = GaugeMetricFamily(
            "hub_quarantine_open_items",
            "Records waiting for a person, by flow, reason code and status.",
            labels=["flow", "reason", "status"],
        )
        rows = QuarantineItem.objects.filter(status__in=OPEN_ITEMS)
        rows = rows.values("flow_id", "reason_code", "status").annotate(n=Count("id"))
        for row in rows.order_by():
            labels = [codes[row["flow_id"]], row["reason_code"], row["status"]]
            waiting.add_metric(labels, row["n"])
        return waiting

    def _alerts(self):
        alerts = GaugeMetricFamily(
            "hub_alerts_open",
            "Open alerts by kind and owning business owner.",
            labels=["kind", "owner"],
        )
        rows = Alert.objects.filter(status=AlertStatus.OPEN).values("kind", "owner__name")
        for row in rows.annotate(n=Count("id")).order_by():
            alerts.add_metric([row["kind"], row["owner__name"]], row["n"])
        return alerts

    def _sync_runs(self, codes):
        last_success = GaugeMetricFamily(
            "hub_sync_last_success_timestamp_seconds",
            "When the flow's last batch run finished successfully (Unix time).",
            labels=["flow"],
        )
        running = GaugeMetricFamily(
            "hub_sync_runs_running", "Batch runs in progress, by flow.", labels=["flow"]
        )
        rows = SyncRun.objects.values("flow_id").annotate(
            finished=Max("finished_at", filter=Q(status=SyncStatus.SUCCEEDED)),
            running=Count("id", filter=Q(status=SyncStatus.RUNNING)),
        )
        for row in rows.order_by():
            code = codes[row["flow_id"]]
            if row["finished"]:
                last_success.add_metric([code], row["finished"].timestamp())
            running.add_metric([code], row["running"])
        yield last_success
        yield running


REGISTRY = CollectorRegistry(auto_describe=False)
REGISTRY.register(HubCollector())


def metrics(request):
    """Prometheus scrape endpoint; guarded by a bearer token when HUB_METRICS_TOKEN is set."""
    token = settings.HUB_METRICS_TOKEN
    if token:
        sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(sent.encode(), token.encode()):
            return HttpResponse("metrics token missing or wrong\n", status=401)
    return HttpResponse(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)
