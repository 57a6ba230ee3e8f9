"""Trace search, evidence packs, the weekly review and versioned runbooks."""

import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from apps.exchange.models import Envelope, TraceEvent
from apps.flows.models import Flow
from apps.monitoring.alerting import rules_evaluate
from apps.monitoring.demo_history import demo_history_seed
from apps.monitoring.figures import dashboard_panels
from apps.monitoring.models import Runbook
from apps.monitoring.runbooks import runbook_publish
from apps.monitoring.search import trace_search
from apps.quarantine.choices import ReasonCode
from tests.exchange.test_validation import receive
from tests.monitoring.conftest import hold

pytestmark = pytest.mark.django_db


def staff(cast, username="orderdesk") -> Client:
    client = Client()
    client.force_login(cast.user(username))
    return client


@pytest.fixture
def order(cast) -> str:
    return receive(cast, "order_storefront_cases.json")["number"]


def test_search_finds_an_order_by_number_sku_account_envelope_and_trace_id(cast, order):
    envelope = Envelope.objects.get(subject_key=order)
    trace_id = TraceEvent.objects.filter(subject_key=order).exclude(trace_id="").first().trace_id
    for q in (order, "ACME-BOLT-M8", "NW-1001", str(envelope.pk), trace_id):
        found = [(m.subject_type, m.subject_key) for m in trace_search(q)]
        assert ("order", order) in found, q
    assert trace_search("NOTHING-LIKE-THIS") == []


def test_search_page_links_each_match_to_its_trace(cast, order):
    page = staff(cast).get("/ops/trace/", {"q": order}).content.decode()
    assert f'href="/ops/trace/order/{order}/"' in page
    assert "Nothing the hub traced" in staff(cast).get("/ops/trace/", {"q": "zz"}).content.decode()


def zip_of(content: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(content))


def test_evidence_pack_holds_what_an_auditor_asks_for(cast, order):
    hold(reason=ReasonCode.DELIVERY_FAILED)
    rules_evaluate()
    response = staff(cast).get("/ops/flows/order-capture/evidence.zip")
    assert response["Content-Type"] == "application/zip"
    assert "evidence-order-capture-" in response["Content-Disposition"]
    pack = zip_of(response.content)
    names = set(pack.namelist())
    assert {"README.md", "runbook.md", "alerts.json", "mapping_decisions.json"} <= names
    assert "schemas/order-capture-v1.json" in names
    samples = [n for n in names if n.startswith("samples/accepted-")]
    assert samples and b"PO-" in pack.read(samples[0])
    readme = pack.read("README.md").decode()
    assert "After success:" in readme and "After failure:" in readme
    answers = json.loads(pack.read("ownership.json"))
    assert answers["who decides retry versus repair"]["name"] == "Otto Orderdesk"
    assert answers["who corrects a product that fails validation"] == ["Cora Catalog"]
    assert json.loads(pack.read("alerts.json"))[0]["kind"] == "dead_letters"
    assert any(
        d["subject"] == f"order {order}" for d in json.loads(pack.read("mapping_decisions.json"))
    )


def test_evidence_command_prints_the_zip_path_last(cast, tmp_path, capsys):
    call_command("evidence", "inventory-update", "--out", str(tmp_path))
    last = capsys.readouterr().out.strip().splitlines()[-1]
    path = Path(last)
    assert path.parent == tmp_path and path.suffix == ".zip"
    assert "runbook.md" in zip_of(path.read_bytes()).namelist()


def test_evidence_command_names_the_flows_when_one_is_unknown(cast):
    with pytest.raises(CommandError, match="order-capture"):
        call_command("evidence", "no-such-flow")


def test_weekly_review_page_and_xlsx(cast, order):
    hold()
    client = staff(cast)
    page = client.get("/ops/weekly/").content.decode()
    assert Flow.objects.get(code="order-capture").name in page
    assert "Open ownership questions" in page
    response = client.get("/ops/weekly.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = list(book["flows"].values)
    assert rows[0][:3] == ("flow", "owner", "failures")
    capture = next(row for row in rows if row[0] == "order-capture")
    assert capture[2] >= 1  # the held record is a failure of the week
    assert "open questions" in book.sheetnames


def test_every_flow_has_a_versioned_runbook_seeded_from_its_text(cast):
    assert Runbook.objects.count() == Flow.objects.count()
    flow = Flow.objects.get(code="order-capture")
    first = Runbook.objects.get(flow=flow).current()
    assert first.number == 1 and first.recovery_steps == flow.runbook
    second = runbook_publish(
        flow=flow,
        likely_cause="ERP price list not loaded",
        recovery_steps="Reload, then replay",
        escalation="ops lead",
        actor=cast.user("admin"),
    )
    assert second.number == 2 and Runbook.objects.get(flow=flow).current() == second
    page = staff(cast).get("/ops/flows/order-capture/runbook/").content.decode()
    assert "ERP price list not loaded" in page
    old = staff(cast).get("/ops/flows/order-capture/runbook/?v=1").content.decode()
    assert "ERP price list not loaded" not in old and "Version 1" in old


def test_demo_history_fills_thirty_days_once(cast):
    counts = demo_history_seed()
    assert counts["envelopes"] > 500 and counts["runs"] >= 2 * 30 and counts["items"] > 30
    assert demo_history_seed() == {"envelopes": 0, "items": 0, "runs": 0}
    panels = {p.flow.code: p for p in dashboard_panels(user=cast.user("orderdesk"))}
    capture = panels["order-capture"]
    assert sum(1 for n in capture.received if n) >= 28  # every day of the month has traffic
    assert sum(capture.held) > 0
    figures = {f.label: f.value for f in capture.figures}
    assert figures["Credit-check failures"] == "2"
    assert figures["Time to recovery (30 days)"] != "-"
    assert int(figures["Manual interventions (30 days)"]) > 0
    runs = {f.label: f for f in panels["catalog-sync"].figures}
    assert runs["Sync delay"].value != "-"
