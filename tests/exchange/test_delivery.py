from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from apps.exchange.backoff import backoff_delay
from apps.exchange.models import Delivery, DeliveryStatus
from apps.exchange.services import deliveries_sweep, delivery_attempt
from apps.flows.models import Flow
from apps.quarantine.models import QuarantineItem
from apps.systems.models import System
from tests.exchange.test_validation import receive


def only_delivery() -> Delivery:
    return Delivery.objects.select_related("flow").get()


@pytest.mark.django_db(transaction=True)
def test_unreachable_target_is_retried_not_dropped(cast):
    receive(cast, "order_storefront_cases.json")
    delivery = only_delivery()
    assert delivery.status == DeliveryStatus.RETRYING
    assert "unreachable" in delivery.last_error


@pytest.mark.django_db(transaction=True)
def test_attempts_exhausted_become_a_dead_letter(cast):
    Flow.objects.update(max_attempts=2)
    receive(cast, "order_storefront_cases.json")
    delivery = only_delivery()
    delivery_attempt(delivery_id=delivery.pk, now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DEAD and delivery.attempts == 2
    assert QuarantineItem.objects.get().reason_code == "delivery_failed"


@pytest.mark.django_db(transaction=True)
def test_retry_window_closed_becomes_a_dead_letter(cast):
    receive(cast, "order_storefront_cases.json")
    delivery = only_delivery()
    late = delivery.created_at + delivery.flow.retry_window + timedelta(seconds=1)
    delivery_attempt(delivery_id=delivery.pk, now=late)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DEAD


@pytest.mark.django_db(transaction=True)
def test_paused_flow_holds_deliveries_without_burning_attempts(cast):
    receive(cast, "order_storefront_cases.json")
    Flow.objects.update(is_paused=True)
    delivery = only_delivery()
    assert delivery_attempt(delivery_id=delivery.pk, now=delivery.next_attempt_at) is None
    assert deliveries_sweep(now=delivery.next_attempt_at) == 0
    delivery.refresh_from_db()
    assert delivery.attempts == 1


@pytest.mark.django_db(transaction=True)
def test_sweep_reclaims_an_attempt_whose_worker_died(cast, settings):
    receive(cast, "order_storefront_cases.json")
    delivery = only_delivery()
    long_ago = timezone.now() - timedelta(seconds=settings.HUB_DELIVERY_LEASE_SECONDS + 5)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.IN_FLIGHT, claimed_at=long_ago
    )
    assert deliveries_sweep() == 1
    delivery.refresh_from_db()
    # The sweep enqueued it and the in-process task attempted it again.
    assert delivery.attempts == 2 and delivery.status == DeliveryStatus.RETRYING


@pytest.mark.parametrize(
    "status,expected",
    [
        (429, DeliveryStatus.RETRYING),
        (502, DeliveryStatus.RETRYING),
        (401, DeliveryStatus.DEAD),
        (400, DeliveryStatus.DEAD),
    ],
)
def test_failures_are_classified_by_status(live_cast, status, expected):
    requests.post(f"{live_cast.url}/sandbox/erp/faults/", json={"status": status}, timeout=10)
    receive(live_cast, "order_storefront_cases.json")
    delivery = only_delivery()
    assert delivery.status == expected
    assert delivery.attempt_log.get().status_code == status


def test_wrong_erp_credentials_are_a_dead_letter_not_a_retry_loop(live_cast):
    System.objects.filter(code="erp").update(auth_token="wrong")
    receive(live_cast, "order_storefront_cases.json")
    delivery = only_delivery()
    assert delivery.status == DeliveryStatus.DEAD
    assert QuarantineItem.objects.get().problems[0]["code"] == "auth_failed"


def test_backoff_grows_exponentially_within_jittered_bounds():
    for attempt, ceiling in [(1, 2), (2, 4), (3, 8), (10, 60)]:
        delay = backoff_delay(attempt=attempt, base_seconds=2, max_seconds=60).total_seconds()
        assert ceiling / 2 <= delay <= ceiling
