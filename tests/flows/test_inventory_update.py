"""Inventory events over real HTTP: sandbox WMS → signed webhook → hub → sandbox storefront.

The WMS is set up like a real one: the hub's webhook URL, a partner token and a Standard
Webhooks signing secret the hub issued it. Tasks run in process, so each bulk delivery to the
storefront is made before the hub answers the WMS.
"""

import io
from decimal import Decimal

import pytest
import requests
from django.core.management import call_command

from apps.api.services import partner_token_issue, webhook_secret_issue
from apps.catalog.models import InventoryLevel
from apps.exchange.models import Delivery, DeliveryStatus, Envelope, EnvelopeStatus, InboundEvent
from apps.quarantine.models import QuarantineItem
from apps.sandbox.bulk import bulk_received
from apps.sandbox.models import SandboxStock, SandboxWebhook
from apps.sandbox.wms import wms_batch_post

WEBHOOK = "/api/v1/webhooks/inventory/"
SKUS = ["ACME-BOLT-M8", "ACME-NUT-M8"]


@pytest.fixture
def wms(live_cast):
    """The live cast with the sandbox WMS's webhook, token and signing secret configured."""
    configured = requests.post(
        f"{live_cast.url}/sandbox/wms/webhook/",
        json={
            "url": live_cast.url + WEBHOOK,
            "token": partner_token_issue(partner_code="wms"),
            "secret": webhook_secret_issue(partner_code="wms"),
        },
        timeout=10,
    )
    configured.raise_for_status()
    return live_cast


def send(wms, **spec) -> dict:
    spec = {"skus": SKUS, "locations": ["DC-EAST"], **spec}
    answer = requests.post(f"{wms.url}/sandbox/wms/events/", json=spec, timeout=120)
    assert answer.status_code == 200, answer.text
    return answer.json()


def hub_levels() -> dict:
    return {
        (level.product.sku, level.location): (level.on_hand, level.as_of_sequence)
        for level in InventoryLevel.objects.select_related("product")
    }


def wms_levels() -> dict:
    return {(s.sku, s.location): (s.on_hand, s.sequence) for s in SandboxStock.objects.all()}


def storefront_heard() -> list[list[dict]]:
    """Each bulk inventory update the sandbox storefront took, in the order it took them."""
    return [receipt.items for receipt in bulk_received(system="storefront", kind="inventory")]


def totals(run: dict, name: str) -> int:
    return sum(answer[name] for answer in run["answers"])


def test_events_reach_the_hub_and_the_storefront_in_bulk(wms):
    run = send(wms, count=6, batch_size=3)
    assert [a["status"] for a in run["answers"]] == [200, 200]
    assert hub_levels() == wms_levels()
    heard = storefront_heard()
    assert len(heard) == 2, "one bulk delivery per batch, not one per event"
    last = {(lv["sku"], lv["location"]): lv for levels in heard for lv in levels}
    for (sku, location), (on_hand, sequence) in wms_levels().items():
        assert Decimal(last[(sku, location)]["on_hand"]) == on_hand
        assert last[(sku, location)]["sequence"] == sequence
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}


def test_each_level_change_leaves_history_naming_the_batch(wms):
    send(wms, count=4, batch_size=2)  # two events per level, one per batch
    level = InventoryLevel.objects.get(product__sku="ACME-BOLT-M8", location="DC-EAST")
    reasons = list(level.history.values_list("history_change_reason", flat=True))
    assert len(reasons) == 2
    assert all(r.startswith("inventory-update: WMS events, envelope-") for r in reasons)


def test_a_resent_event_is_applied_once(wms):
    # The resend travels with a new event, so only its event id can tell it was seen before.
    run = send(wms, count=4, duplicates=1, batch_size=3)
    assert run["duplicates"] == 1 and run["events"] == 5
    assert totals(run, "duplicates") == 1
    assert InboundEvent.objects.count() == 4
    assert hub_levels() == wms_levels()
    # Batch one sets both levels (the bolt's newer event wins within it), batch two the nut's;
    # the resent bolt event in batch two writes nothing.
    assert InventoryLevel.history.count() == 3


def test_a_resent_batch_is_answered_as_the_first_time(wms):
    # The same batch again (its answer was lost): the hub's envelope dedup answers it.
    run = send(wms, count=2, duplicates=2, batch_size=2)
    assert run["answers"][1] == run["answers"][0]
    assert InboundEvent.objects.count() == 2


def test_an_older_event_never_overwrites_a_newer_figure(wms):
    run = send(wms, count=6, out_of_order=2, batch_size=2)
    assert run["out_of_order"] == 2
    assert totals(run, "stale") == 2
    assert hub_levels() == wms_levels(), "the held-back events arrived last and changed nothing"
    sent_to_storefront = [lv["sequence"] for levels in storefront_heard() for lv in levels]
    assert sent_to_storefront == sorted(sent_to_storefront), "the storefront heard them in order"


def test_a_call_with_a_bad_signature_is_refused_and_kept(wms):
    webhook = SandboxWebhook.objects.get(system="wms")
    event = {
        "event_id": "EV-FORGED",
        "sku": "ACME-BOLT-M8",
        "location": "DC-EAST",
        "on_hand": "999",
        "available": "999",
        "sequence": 10**9,
        "occurred_at": "2026-11-26T05:00:00+00:00",
    }
    forged = "whsec_" + "A" * 43 + "="
    status, answer = wms_batch_post(webhook=webhook, events=[event], secret=forged)
    assert status == 401
    assert answer["error"]["code"] == "signature_invalid"
    assert not InventoryLevel.objects.exists()
    envelope = Envelope.objects.get(flow__code="inventory-update")
    assert envelope.status == EnvelopeStatus.REJECTED, "refused, but kept as received"
    assert b"EV-FORGED" in bytes(envelope.raw)


def test_a_call_without_a_signature_is_refused(wms):
    webhook = SandboxWebhook.objects.get(system="wms")
    answer = requests.post(
        webhook.url,
        json={"events": []},
        headers={"Authorization": f"Token {webhook.token}", "Idempotency-Key": "unsigned-1"},
        timeout=10,
    )
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "signature_invalid"


def test_a_system_that_does_not_own_inventory_may_not_set_it(wms):
    webhook = SandboxWebhook.objects.get(system="wms")
    webhook.token = partner_token_issue(partner_code="storefront")
    webhook.secret = webhook_secret_issue(partner_code="storefront")
    event = {
        "event_id": "EV-SF-1",
        "sku": "ACME-BOLT-M8",
        "location": "DC-EAST",
        "on_hand": "5",
        "available": "5",
        "sequence": 1,
        "occurred_at": "2026-11-26T05:00:00+00:00",
    }
    status, answer = wms_batch_post(webhook=webhook, events=[event])
    assert status == 403
    assert answer["error"]["code"] == "not_owner"
    assert "wms" in answer["error"]["message"]
    assert not InventoryLevel.objects.exists()


def test_figures_for_an_unknown_sku_wait_for_the_inventory_owner(wms):
    run = send(wms, count=2, skus=["ACME-BOLT-M8", "NO-SUCH-SKU"])
    assert run["answers"][0]["unknown_skus"] == ["NO-SUCH-SKU"]
    item = QuarantineItem.objects.get(reason_code="unknown_sku")
    assert item.subject_key == "NO-SUCH-SKU@DC-EAST"
    assert item.assigned_owner.user.username == "logistics"
    assert list(InventoryLevel.objects.values_list("product__sku", flat=True)) == ["ACME-BOLT-M8"]


def test_the_sandbox_command_sends_events_and_prints_one_line(wms):
    out = io.StringIO()
    options = ["--duplicates", "1", "--out-of-order", "1", "--batch-size", "2"]
    call_command(
        "sandbox_wms_events", "--count", "4", "--skus", ",".join(SKUS), *options, stdout=out
    )
    [line] = out.getvalue().splitlines()
    assert line.startswith("wms events sent=5 batches=3 refused_batches=0")
    assert "stale=1" in line
    assert hub_levels() == wms_levels()
