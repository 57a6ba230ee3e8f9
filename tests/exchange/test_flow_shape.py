"""The pipeline's shape: shared stages that know handlers, never a concrete flow."""

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from apps.exchange.handlers import FlowHandler, HandlerMissing, flow_handler, handler_for
from apps.exchange.models import Envelope, TraceEvent
from apps.exchange.services import IntakeAnswer, intake_receive
from apps.flows.models import Flow
from apps.systems.models import System
from tests.conftest import payload

pytestmark = pytest.mark.django_db
STAGES = Path(__file__).resolve().parents[2] / "apps" / "exchange" / "stages"


@flow_handler
class EchoFlow(FlowHandler):
    """A flow the shared stages have never heard of: it proves a flow plugs in alone."""

    flow_code = "test-echo"
    subject_type = "echo"

    def receive(self, *, flow, partner, envelope, trail, shout=False):
        text = json.loads(bytes(envelope.raw))["text"]
        trail.record("map", f"Echoing {text!r}.")
        trail.subject_is("echo", text)
        return IntakeAnswer(201, {"echo": text.upper() if shout else text}, text)


def test_every_built_flow_has_its_handler():
    assert handler_for("order-capture").subject_type == "order"
    assert handler_for("record-sync").flow_code == "record-sync"
    with pytest.raises(HandlerMissing):
        handler_for("catalog-sync-that-does-not-exist")


def test_shared_stages_name_no_flow_or_entity():
    for module in STAGES.glob("*.py"):
        source = module.read_text()
        found = re.findall(
            r"""["'](order|order-capture|record-sync|product|company_account)["']""", source
        )
        assert not found, f"{module.name} names {found}: look the handler up instead"


def test_record_sync_names_no_entity_it_writes():
    # Duplicates and reference resolution are declared by the entity apps, not branched on here.
    for module in (STAGES.parent / "handlers" / "record_sync").glob("*.py"):
        source = module.read_text()
        found = re.findall(
            r"""["'](company_account|product|catalog\.\w+|accounts\.\w+)["']""", source
        )
        assert not found, f"{module.name} names {found}: declare it on the entity instead"


def test_a_new_flow_runs_through_the_shared_intake_untouched(cast):
    owner = Flow.objects.get(code="order-capture").owner
    Flow.objects.create(
        code="test-echo",
        name="Echo",
        owner=owner,
        runbook="Say it back.",
        freshness_sla=timedelta(hours=1),
    )
    answer = intake_receive(
        flow_code="test-echo",
        partner=System.objects.get(code="storefront"),
        idempotency_key="echo-1",
        raw=b'{"text": "hello"}',
        content_type="application/json",
        shout=True,
    )
    assert (answer.status, answer.body) == (201, {"echo": "HELLO"})
    stages = list(TraceEvent.objects.filter(subject_type="echo").values_list("stage", flat=True))
    assert stages == ["receive", "map"]
    assert Envelope.objects.get(idempotency_key="echo-1").status == "accepted"


def test_a_stage_failure_leaves_the_stages_before_it_on_the_trace(cast):
    order = payload("order_storefront_cases.json")
    order["lines"][0]["uom"] = "PALLET"  # unmappable: the map stage refuses it
    response = APIClient().post(
        "/api/v1/orders/", order, format="json", HTTP_IDEMPOTENCY_KEY="fail-at-map", **cast.auth()
    )
    assert response.status_code == 400
    envelope = Envelope.objects.get(idempotency_key="fail-at-map")
    rows = TraceEvent.objects.filter(envelope=envelope).values_list("stage", "outcome")
    assert list(rows) == [("receive", "ok"), ("reject", "failed")]
