"""The route stage: an outbox row per target, handed to a worker once the transaction commits.

The database row is the work; the broker message only wakes a worker (a lost message is
re-enqueued by the sweep in the deliver stage).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from celery import current_app
from django.db import transaction
from django.utils import timezone

from apps.core.insert import rows_insert
from apps.exchange.models import Delivery


def delivery_schedule(
    *, flow, subject_type: str, subject_key: str, path: str, payload: dict, line_key: str = ""
) -> Delivery:
    """Add an outbox row and enqueue its first attempt once the transaction commits.

    Deliveries with the same `line_key` (say, one account's) reach the target in order.
    """
    # Inserted without save(): nothing listens to a delivery's signals, and every order
    # routed pays for Django compiling the INSERT anew.
    [delivery] = rows_insert(
        [
            Delivery(
                flow=flow,
                target_system=flow.target_system,
                subject_type=subject_type,
                subject_key=subject_key,
                path=path,
                payload=payload,
                idempotency_key=f"hub-{flow.code}-{uuid.uuid4().hex}",
                next_attempt_at=timezone.now(),
                line_key=line_key,
            )
        ]
    )
    delivery_enqueue(delivery=delivery)
    return delivery


def delivery_enqueue(*, delivery: Delivery, eta: datetime | None = None) -> None:
    """Hand the delivery to a worker after commit; the outbox row stays the source of truth."""
    options = {"queue": delivery.flow.queue}
    if eta is not None:
        options["eta"] = eta
    # By name: the task module imports this one, and the registry needs no import back.
    deliver = current_app.tasks["exchange.deliver"]
    # robust: a broker that is down must not fail the request that made the row; the row is
    # the work, and the sweep enqueues it once the broker is back.
    transaction.on_commit(lambda: deliver.apply_async((delivery.pk,), **options), robust=True)
