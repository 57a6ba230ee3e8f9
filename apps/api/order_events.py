"""Partner webhooks on commit: an order reaching a status partners hear of queues its event as
soon as the change commits, not at the safety net's next run.

Connected to django-simple-history's signal for the order's history row (every single-row save
of an order writes one); a bulk write sends no signal and is left to the safety net.
"""

from __future__ import annotations

from functools import partial

from django.db import transaction

from apps.exchange.handlers.partner_webhooks.events import (
    EVENT_TYPES,
    partner_webhook_emit_on_commit,
)


def order_history_written(sender, instance, history_instance, **kwargs) -> None:
    if history_instance.status not in EVENT_TYPES:
        return  # taking orders in (received, quarantined) costs nothing here
    emit = partial(
        partner_webhook_emit_on_commit,
        order_pk=instance.pk,
        partner_pk=instance.source_system_id,
        status=history_instance.status,
        changed_at=history_instance.history_date,
    )
    # robust: the change has committed; a failure to queue its event must not turn the
    # caller's answer into an error. It is logged, and the safety net queues the event.
    transaction.on_commit(emit, robust=True)
