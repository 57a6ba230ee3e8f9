"""Operators pause, drain and resume a flow, from the admin and the command line, with a reason."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from rest_framework.test import APIClient

from apps.core.errors import InvalidTransition, ValidationFailed
from apps.exchange.models import Delivery, DeliveryStatus, Envelope
from apps.flows.models import Flow
from apps.flows.selectors import FlowDraining, FlowInactive, flow_accepting
from apps.flows.services import flow_deactivate, flow_drain, flow_pause, flow_resume
from tests.conftest import payload

pytestmark = pytest.mark.django_db

FLOWS = "/admin/flows/flow/"


def order_capture() -> Flow:
    return Flow.objects.get(code="order-capture")


def admin_client(cast) -> Client:
    client = Client()
    client.force_login(cast.user("admin"))
    return client


def act(cast, action: str, reason: str) -> str:
    data = {"action": action, "_selected_action": [order_capture().pk], "reason": reason}
    return admin_client(cast).post(FLOWS, data, follow=True).content.decode()


def flow_command(*args: str) -> list[str]:
    out = StringIO()
    call_command("flow", *args, stdout=out)
    return out.getvalue().splitlines()


def place_order(cast) -> None:
    # A plain `db` test runs no on-commit hooks: the order's ERP delivery stays queued.
    response = APIClient().post(
        "/api/v1/orders/",
        payload("order_storefront_cases.json"),
        format="json",
        HTTP_IDEMPOTENCY_KEY="controls-1",
        **cast.auth(),
    )
    assert response.status_code == 201, response.content


def test_pause_holds_deliveries_and_still_accepts_with_reason_in_history(cast):
    flow = flow_pause(flow=order_capture(), actor=cast.user("admin"), reason="ERP patching")
    assert flow.is_paused and not flow.is_draining
    assert flow_accepting(flow=flow) == flow
    record = flow.history.first()
    assert (record.history_change_reason, record.history_user) == (
        "ERP patching",
        cast.user("admin"),
    )


def test_drain_refuses_new_payloads_and_lifts_a_pause_so_the_queue_empties(cast):
    actor = cast.user("admin")
    flow_pause(flow=order_capture(), actor=actor, reason="ERP patching")
    flow = flow_drain(flow=order_capture(), actor=actor, reason="Cut-over tonight")
    assert flow.is_draining and not flow.is_paused
    with pytest.raises(FlowDraining, match="'order-capture' is draining") as refused:
        flow_accepting(flow=flow)
    assert (refused.value.code, refused.value.status) == ("flow_draining", 409)
    assert flow.history.first().history_change_reason == "Cut-over tonight"


def test_pausing_a_draining_flow_stops_both_ways_until_resumed(cast):
    actor = cast.user("admin")
    flow_drain(flow=order_capture(), actor=actor, reason="Cut-over")
    flow = flow_pause(flow=order_capture(), actor=actor, reason="ERP down too")
    assert flow.operating_state() == "paused and draining"
    flow = flow_resume(flow=flow, actor=actor, reason="All clear")
    assert (flow.is_paused, flow.is_draining, flow.operating_state()) == (False, False, "running")
    assert flow_accepting(flow=flow) == flow
    assert flow.history.first().history_change_reason == "All clear"


def test_an_inactive_flow_is_not_accepting_even_when_running(cast):
    flow = flow_deactivate(flow=order_capture(), actor=cast.user("admin"), reason="Retired")
    with pytest.raises(FlowInactive):
        flow_accepting(flow=flow)


def test_a_control_that_changes_nothing_is_refused_and_leaves_no_history(cast):
    actor, before = cast.user("admin"), order_capture().history.count()
    with pytest.raises(InvalidTransition, match="already running"):
        flow_resume(flow=order_capture(), actor=actor, reason="Just in case")
    flow_drain(flow=order_capture(), actor=actor, reason="Cut-over")
    with pytest.raises(InvalidTransition, match="already draining"):
        flow_drain(flow=order_capture(), actor=actor, reason="Again")
    with pytest.raises(ValidationFailed, match="Give a reason"):
        flow_pause(flow=order_capture(), actor=actor, reason="  ")
    assert order_capture().history.count() == before + 1


def test_admin_actions_pause_drain_and_resume_with_the_reason(cast):
    assert "Paused: order-capture." in act(cast, "pause", "ERP patching")
    assert order_capture().is_paused
    assert "Draining: order-capture." in act(cast, "drain", "Cut-over")
    assert order_capture().is_draining
    assert "Resumed: order-capture." in act(cast, "resume", "Back")
    flow = order_capture()
    assert not (flow.is_paused or flow.is_draining)
    reasons = [r.history_change_reason for r in flow.history.all()[:3]]
    assert reasons == ["Back", "Cut-over", "ERP patching"]
    assert flow.history.first().history_user == cast.user("admin")


def test_admin_action_refused_says_why(cast):
    assert "already running; nothing was changed" in act(cast, "resume", "Why not")
    assert "Give a reason" in act(cast, "pause", "")
    assert not order_capture().is_paused


def test_admin_shows_the_state_and_never_edits_the_flags_on_the_form(cast):
    flow_drain(flow=order_capture(), actor=cast.user("admin"), reason="Cut-over")
    client = admin_client(cast)
    assert "draining" in client.get(FLOWS).content.decode()
    page = client.get(f"{FLOWS}{order_capture().pk}/change/").content.decode()
    assert 'name="is_paused"' not in page and 'name="is_draining"' not in page


def test_reverting_to_a_paused_version_leaves_the_flow_running(cast):
    admin, actor = admin_client(cast), cast.user("admin")
    paused = flow_pause(flow=order_capture(), actor=actor, reason="ERP patching").history.first()
    flow_resume(flow=order_capture(), actor=actor, reason="Back")
    url = f"{FLOWS}{paused.id}/history/{paused.pk}/"
    form = admin.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    response = admin.post(url, {k: "" if v is None else v for k, v in data.items()})
    assert response.status_code == 302
    assert not order_capture().is_paused


def test_command_drain_prints_one_line_with_what_is_still_queued(cast):
    place_order(cast)
    lines = flow_command("drain", "order-capture", "--reason", "Cut-over", "--actor", "admin")
    assert lines == ["order-capture: draining (1 delivery still queued; new payloads refused)"]
    record = order_capture().history.first()
    assert (record.history_change_reason, record.history_user) == ("Cut-over", cast.user("admin"))


def test_command_pause_and_resume_print_one_line_each(cast):
    assert flow_command("pause", "order-capture") == [
        "order-capture: paused (0 deliveries held; new payloads accepted)"
    ]
    assert order_capture().history.first().history_change_reason == "pause from the command line"
    assert flow_command("resume", "order-capture", "--reason", "ERP back") == [
        "order-capture: resumed (0 deliveries still queued; new payloads accepted)"
    ]
    assert not order_capture().is_paused


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["resume", "order-capture"], "already running"),
        (["pause", "no-such-flow"], "'no-such-flow' is not configured"),
        (["pause", "order-capture", "--actor", "nobody"], "No active user 'nobody'"),
    ],
)
def test_command_refusals_are_errors_not_summaries(cast, args, message):
    with pytest.raises(CommandError, match=message):
        flow_command(*args)
    assert not order_capture().is_paused


def test_draining_flow_refuses_new_orders_but_keeps_the_payload_and_delivers_the_queued(cast):
    def post(key):
        return APIClient().post(
            "/api/v1/orders/",
            payload("order_storefront_cases.json") | {"po_number": f"PO-{key}"},
            format="json",
            HTTP_IDEMPOTENCY_KEY=key,
            **cast.auth(),
        )

    assert post("before-drain").status_code == 201
    flow_drain(flow=order_capture(), actor=cast.user("admin"), reason="Cut-over")
    refused = post("during-drain")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "flow_draining"
    kept = Envelope.objects.get(idempotency_key="during-drain")
    assert (kept.status, kept.error_code) == ("rejected", "flow_draining")
    queued = Delivery.objects.get()
    assert queued.status in (DeliveryStatus.PENDING, DeliveryStatus.RETRYING), "still owed"
    flow_resume(flow=order_capture(), actor=cast.user("admin"), reason="Done")
    assert post("after-resume").status_code == 201
