from celery import shared_task

from apps.exchange.handlers.partner_webhooks import partner_webhooks_emit


@shared_task(name="api.emit_partner_webhooks", ignore_result=True)
def emit_partner_webhooks() -> int:
    """Beat, the safety net: queue the partner events no commit hook queued; how many."""
    return partner_webhooks_emit()
