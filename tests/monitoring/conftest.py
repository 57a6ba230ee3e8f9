"""Builders for the failure modes the alert rules watch, made through the hub's own services."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.exchange.models import Delivery, DeliveryStatus, SyncMode, SyncRun, SyncStatus
from apps.flows.models import Flow
from apps.monitoring.models import AlertRule
from apps.quarantine.choices import ReasonCode
from apps.quarantine.services import quarantine_open
from apps.reconciliation.models import Mismatch, ReconciliationRun

ORDER = {
    "account": "NW-1001",
    "currency": "USD",
    "lines": [
        {"sku": "ACME-BOLT-M8", "quantity": "10", "unit_price": "4.20"},
        {"sku": "ACME-NUT-M8", "quantity": "5", "unit_price": "2.00"},
    ],
}


def flow(code: str = "order-capture") -> Flow:
    return Flow.objects.select_related("owner").get(code=code)


def hold(code: str = "order-capture", reason: str = ReasonCode.PRICE_MISMATCH, key: str = "O-1"):
    """A record held in quarantine, worth 52.00 over two lines."""
    f = flow(code)
    return quarantine_open(
        flow=f,
        reason_code=reason,
        message="held for the test",
        subject_type="order",
        subject_key=key,
        payload=ORDER,
        problems=[],
        owner=f.owner,
    )


def overdue_delivery(code: str, *, late_by: timedelta) -> Delivery:
    f = flow(code)
    return Delivery.objects.create(
        flow=f,
        target_system=f.target_system,
        subject_type="product",
        subject_key="SKU-LATE",
        path="/x",
        payload={},
        idempotency_key=f"late-{code}",
        status=DeliveryStatus.RETRYING,
        next_attempt_at=timezone.now() - f.freshness_sla - late_by,
    )


def sync_run(code: str, status: str) -> SyncRun:
    now = timezone.now()
    return SyncRun.objects.create(
        flow=flow(code),
        mode=SyncMode.FULL,
        status=status,
        started_at=now,
        finished_at=now if status != SyncStatus.RUNNING else None,
    )


def mismatch(code: str = "order-capture") -> Mismatch:
    item = hold(code, reason=ReasonCode.RECONCILIATION_MISMATCH, key="PAY-1")
    run = ReconciliationRun.objects.create(name="payments", trigger="command", mismatch_count=1)
    return Mismatch.objects.create(
        run=run,
        reconciliation="payments",
        comparison="hub-gateway",
        left_system="hub",
        right_system="gateway",
        key="PAY-1",
        kind="amount_differs",
        effect="settled 10.00 short",
        value_at_stake=Decimal("10.00"),
        owner=item.assigned_owner,
        suggested_action="ask finance",
        subject_type="payment",
        subject_key="PAY-1",
        quarantine_item=item,
        first_seen_at=timezone.now(),
    )


@pytest.fixture
def rules(cast):
    """The seeded rules, every threshold at 1 so one record raises."""
    AlertRule.objects.filter(kind__in=["quarantined"]).update(threshold=1)
    return AlertRule.objects.all()
