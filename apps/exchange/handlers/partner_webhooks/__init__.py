"""Partner webhooks: a partner hears, signed, when one of its orders changes status.

Events come from the orders' history, not from the code paths that change an order: every
way a status moves (the ERP's answer, a record sync, an admin) leaves a history row. The row's
signal queues one outbox delivery per (order, status) as the change commits
(apps/api/order_events.py); a beat run every minute turns any row that was missed (a worker
that died at the commit, a bulk write) into its delivery. The deliver stage retries them like
any delivery; `send` signs each attempt.
"""

from __future__ import annotations

from django.utils import timezone

from apps.connectors.rest.signed import post_signed
from apps.core.errors import TransportError
from apps.exchange.handlers import FlowHandler, flow_handler
from apps.exchange.handlers.partner_webhooks.events import (
    WEBHOOK_FLOW,
    partner_webhooks_emit,
    partner_webhooks_replay,
)
from apps.systems.models import PartnerWebhook

__all__ = ["WEBHOOK_FLOW", "PartnerWebhooks", "partner_webhooks_emit", "partner_webhooks_replay"]


@flow_handler
class PartnerWebhooks(FlowHandler):
    flow_code = WEBHOOK_FLOW
    subject_type = "order"

    def send(self, *, delivery):
        hook = PartnerWebhook.objects.filter(system_id=delivery.target_system_id).first()
        if hook is None or not hook.is_active:
            raise TransportError(
                f"{delivery.target_system.code} has no active webhook endpoint.",
                retryable=False,
                code="webhook_not_configured",
            )
        now = timezone.now()
        return post_signed(
            system=delivery.target_system,
            url=hook.url,
            payload=delivery.payload,
            message_id=delivery.idempotency_key,
            moment=now,
            secrets=hook.signing_secrets(now),
        )
