"""Operator controls on deliveries: retry now, hold, and a range replay a second person approves."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from apps.core.errors import InvalidTransition, PermissionRefused, ValidationFailed
from apps.exchange.models import Delivery, DeliveryStatus, ReplayRequest, ReplayStatus, TraceEvent
from apps.exchange.services import (
    delivery_attempt,
    delivery_hold,
    delivery_retry_now,
    replay_range_approve,
    replay_range_request,
)
from apps.flows.models import Flow
from tests.exchange.test_validation import receive

pytestmark = pytest.mark.django_db


def a_delivery(cast, key="ctl-1", po="PO-CTL-1") -> Delivery:
    number = receive(cast, "order_storefront_cases.json", key=key, po_number=po)["number"]
    return Delivery.objects.get(subject_key=number)


def test_a_held_delivery_is_never_attempted_until_retried_now(cast):
    delivery = a_delivery(cast)
    held = delivery_hold(delivery=delivery, actor=cast.user("admin"), reason="ERP cut-over")
    assert held.status == DeliveryStatus.HELD
    assert delivery_attempt(delivery_id=held.pk, now=held.next_attempt_at) is None
    again = delivery_retry_now(delivery=held, actor=cast.user("admin"))
    assert again.status == DeliveryStatus.RETRYING and again.next_attempt_at <= timezone.now()
    stages = TraceEvent.objects.filter(subject_key=delivery.subject_key, stage="operator")
    assert [e.actor.username for e in stages] == ["admin", "admin"]


def test_hold_needs_a_reason_and_a_delivered_one_cannot_be_retried(cast):
    delivery = a_delivery(cast)
    with pytest.raises(ValidationFailed):
        delivery_hold(delivery=delivery, actor=cast.user("admin"), reason=" ")
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.DELIVERED)
    with pytest.raises(InvalidTransition):
        delivery_retry_now(delivery=delivery, actor=cast.user("admin"))


def test_range_replay_waits_for_a_second_person_then_sends_the_range_again(cast):
    delivery = a_delivery(cast)
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.DELIVERED, attempts=1)
    flow = Flow.objects.get(code="order-capture")
    since, until = timezone.now() - timedelta(hours=1), timezone.now() + timedelta(hours=1)
    request = replay_range_request(
        flow=flow, since=since, until=until, actor=cast.user("orderdesk"), reason="ERP restore"
    )
    with pytest.raises(PermissionRefused):
        replay_range_approve(request=request, actor=cast.user("orderdesk"))
    done = replay_range_approve(request=request, actor=cast.user("approver"))
    assert (done.status, done.deliveries) == (ReplayStatus.DONE, 1)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 0), "owed again"
    assert TraceEvent.objects.filter(subject_key=delivery.subject_key, stage="replay").exists()
    with pytest.raises(InvalidTransition):
        replay_range_approve(request=request, actor=cast.user("admin"))


def test_replay_command_asks_and_another_person_approves(cast):
    delivery = a_delivery(cast)
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.DEAD)
    out = StringIO()
    call_command(
        "flow",
        "replay",
        "order-capture",
        "--since=2020-01-01T00:00Z",
        "--until=2099-01-01T00:00Z",
        "--reason=Lost in the ERP",
        "--actor=orderdesk",
        stdout=out,
    )
    line = out.getvalue().strip()
    assert "\n" not in line and "for 1 deliveries waits for a second person" in line
    request = ReplayRequest.objects.get()
    with pytest.raises(CommandError):
        call_command("flow", "replay-approve", str(request.pk), "--actor=orderdesk")
    out = StringIO()
    call_command("flow", "replay-approve", str(request.pk), "--actor=approver", stdout=out)
    assert out.getvalue().strip().endswith("queued 1 deliveries again")


def test_admin_actions_retry_now_and_hold(cast):
    delivery = a_delivery(cast)
    client = Client()
    client.force_login(cast.user("admin"))
    url = "/admin/exchange/delivery/"
    client.post(url, {"action": "hold", "_selected_action": [delivery.pk], "reason": "Check"})
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.HELD
    client.post(url, {"action": "retry_now", "_selected_action": [delivery.pk]})
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.RETRYING
