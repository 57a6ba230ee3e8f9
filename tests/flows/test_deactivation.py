"""Flows and systems are deactivated with a reason, never deleted; inactive ones take no work."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from apps.core.errors import DeletionRefused, InvalidTransition, ValidationFailed
from apps.exchange.models import Envelope
from apps.flows.models import Flow
from apps.flows.services import flow_deactivate, flow_reactivate
from apps.orders.models import Order
from apps.systems.models import System
from apps.systems.services import system_deactivate, system_reactivate
from tests.conftest import payload
from tests.exchange.test_validation import receive

pytestmark = pytest.mark.django_db

FLOWS, SYSTEMS = "/admin/flows/flow/", "/admin/systems/system/"


def admin_client(cast, username: str = "admin") -> Client:
    client = Client()
    client.force_login(cast.user(username))
    return client


def act(client: Client, url: str, action: str, row, reason: str):
    data = {"action": action, "_selected_action": [row.pk], "reason": reason}
    return client.post(url, data, follow=True)


def order_capture() -> Flow:
    return Flow.objects.get(code="order-capture")


def storefront() -> System:
    return System.objects.get(code="storefront")


def post_order(cast, key: str):
    # A PO of its own per key: the same body again would be answered as a resend.
    return APIClient().post(
        "/api/v1/orders/",
        payload("order_storefront_cases.json") | {"po_number": f"PO-{key}"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
        **cast.auth(),
    )


@pytest.mark.parametrize(
    ("url", "row"), [(FLOWS, order_capture), (SYSTEMS, storefront)], ids=["flow", "system"]
)
def test_admin_refuses_delete_even_to_the_superuser(cast, url, row):
    row, admin = row(), admin_client(cast)
    page = admin.get(f"{url}{row.pk}/change/").content.decode()
    assert f"{url}{row.pk}/delete/" not in page
    assert "delete_selected" not in admin.get(url).content.decode()
    assert admin.post(f"{url}{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert type(row).objects.filter(pk=row.pk).exists()


def test_orm_refuses_to_delete_a_flow(cast):
    with pytest.raises(DeletionRefused, match="Flows are deactivated, not deleted"):
        order_capture().delete()
    with pytest.raises(DeletionRefused):
        Flow.objects.filter(code="order-capture").delete()
    assert Flow.objects.filter(code="order-capture").exists()


def test_deactivate_and_reactivate_actions_leave_history_with_reason_and_person(cast):
    admin, flow = admin_client(cast), order_capture()
    assert 'name="reason"' in admin.get(FLOWS).content.decode()
    page = act(admin, FLOWS, "deactivate", flow, "ERP cut-over weekend").content.decode()
    assert "Deactivated: order-capture." in page
    flow.refresh_from_db()
    assert not flow.is_active
    record = flow.history.first()
    assert record.history_change_reason == "ERP cut-over weekend"
    assert record.history_user == cast.user("admin")
    act(admin, FLOWS, "reactivate", flow, "Cut-over done")
    flow.refresh_from_db()
    assert flow.is_active
    assert flow.history.first().history_change_reason == "Cut-over done"


def test_deactivation_without_a_reason_is_refused_out_loud(cast):
    flow = order_capture()
    page = act(admin_client(cast), FLOWS, "deactivate", flow, "  ").content.decode()
    assert "Give a reason; it is kept in the history." in page
    flow.refresh_from_db()
    assert flow.is_active


def test_deactivating_an_inactive_flow_is_refused_not_ignored(cast):
    flow = flow_deactivate(flow=order_capture(), actor=cast.user("admin"), reason="retired")
    with pytest.raises(InvalidTransition, match="already inactive"):
        flow_deactivate(flow=flow, actor=cast.user("admin"), reason="again")
    with pytest.raises(ValidationFailed, match="under 100 characters"):
        flow_reactivate(flow=flow, actor=cast.user("admin"), reason="x" * 101)
    assert flow.history.count() == order_capture().history.count()


def test_active_flag_is_not_edited_on_the_form_only_through_the_actions(cast):
    page = admin_client(cast).get(f"{FLOWS}{order_capture().pk}/change/").content.decode()
    assert 'name="is_active"' not in page


def test_read_only_staff_get_no_deactivate_action(cast):
    page = admin_client(cast, "auditor").get(SYSTEMS)
    assert page.status_code == 200
    assert 'value="deactivate"' not in page.content.decode()


def test_inactive_flow_refuses_new_orders_and_keeps_what_it_has(cast):
    number = receive(cast, "order_storefront_cases.json", key="before")["number"]
    envelopes = Envelope.objects.count()
    flow_deactivate(flow=order_capture(), actor=cast.user("admin"), reason="Retired")

    refused = post_order(cast, key="after")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "flow_inactive"
    assert "'order-capture' is deactivated" in refused.json()["error"]["message"]
    assert Order.objects.count() == 1

    detail = APIClient().get(reverse("api:order-detail", args=[number]), **cast.auth())
    assert detail.status_code == 200 and detail.json()["number"] == number
    assert Envelope.objects.count() == envelopes + 1, "the refused payload is kept"
    kept = Envelope.objects.get(idempotency_key="after")
    assert (kept.status, kept.error_code) == ("rejected", "flow_inactive")
    listed = admin_client(cast).get("/admin/exchange/envelope/").content.decode()
    assert "before" in listed


def test_reactivated_flow_takes_orders_again(cast):
    flow = flow_deactivate(flow=order_capture(), actor=cast.user("admin"), reason="Paused")
    flow_reactivate(flow=flow, actor=cast.user("admin"), reason="Back")
    assert post_order(cast, key="again").status_code == 201


def test_inactive_partner_token_is_401_until_reactivated(cast):
    admin = admin_client(cast)
    act(admin, SYSTEMS, "deactivate", storefront(), "Contract ended")
    refused = post_order(cast, key="k")
    assert refused.status_code == 401
    assert "error" in refused.json()
    assert storefront().history.first().history_change_reason == "Contract ended"
    system_reactivate(system=storefront(), actor=cast.user("admin"), reason="Renewed")
    assert post_order(cast, key="k").status_code == 201


def test_system_deactivation_twice_is_refused(cast):
    system_deactivate(system=storefront(), actor=cast.user("admin"), reason="Contract ended")
    with pytest.raises(InvalidTransition):
        system_deactivate(system=storefront(), actor=cast.user("admin"), reason="again")


def test_reverting_to_an_inactive_version_keeps_the_flow_active(cast):
    admin, actor = admin_client(cast), cast.user("admin")
    flow = flow_deactivate(flow=order_capture(), actor=actor, reason="Retired")
    inactive_version = flow.history.first()
    flow_reactivate(flow=flow, actor=actor, reason="Back")
    url = f"{FLOWS}{flow.pk}/history/{inactive_version.pk}/"
    form = admin.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    response = admin.post(url, {k: "" if v is None else v for k, v in data.items()})
    assert response.status_code == 302
    assert order_capture().is_active
