"""Alerts are raised the moment their cause commits, and told by e-mail and a signed webhook."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from standardwebhooks import Webhook

from apps.exchange.models import SyncStatus
from apps.monitoring.choices import RuleKind
from apps.operations.models import Alert, AlertStatus
from apps.quarantine.choices import ReasonCode
from tests.monitoring.conftest import flow, hold, sync_run

pytestmark = pytest.mark.django_db
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@pytest.fixture
def receiver(settings):
    """On-call's webhook receiver on loopback: keeps every post it gets."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["content-length"])).decode()
            received.append((dict(self.headers), body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.HUB_ALERT_WEBHOOK_URL = f"http://127.0.0.1:{server.server_port}/alerts"
    settings.HUB_ALERT_WEBHOOK_SECRET = SECRET
    yield received
    server.shutdown()


def test_dead_letter_alerts_on_commit_without_waiting_for_the_beat(
    cast, receiver, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        hold(reason=ReasonCode.DELIVERY_FAILED)
    alert = Alert.objects.get(rule__kind=RuleKind.DEAD_LETTERS)
    assert alert.status == AlertStatus.OPEN
    assert any("otto@example.com" in m.to for m in mailoutbox)
    documents = [json.loads(body) for _, body in receiver]
    assert {"alert.open"} <= {d["type"] for d in documents}
    assert any(d["kind"] == "dead_letters" and d["flow"] == "order-capture" for d in documents)


def test_webhook_verifies_with_the_shared_secret_and_not_another(
    cast, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        hold(reason=ReasonCode.DELIVERY_FAILED)
    headers, body = receiver[-1]
    lowered = {k.lower(): v for k, v in headers.items()}
    assert Webhook(SECRET).verify(body, lowered)["kind"] in {"dead_letters", "quarantined"}
    with pytest.raises(Exception, match="No matching signature"):
        Webhook("whsec_" + "QUJD" * 8).verify(body, lowered)


def test_failed_run_alerts_on_commit(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sync_run("catalog-sync", SyncStatus.FAILED)
    assert Alert.objects.filter(rule__kind=RuleKind.SYNC_FAILED, status="open").count() == 1


def test_no_webhook_configured_still_mails(cast, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        hold(reason=ReasonCode.DELIVERY_FAILED)
    assert mailoutbox


def test_many_records_in_one_transaction_evaluate_their_flow_once(
    cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        for n in range(5):
            hold(key=f"O-{n}")
        hold("inventory-update", key="I-1")
    evaluations = [getattr(c, "monitoring_flow", None) for c in callbacks]
    assert sorted(filter(None, evaluations)) == sorted(
        [flow("order-capture").pk, flow("inventory-update").pk]
    )
