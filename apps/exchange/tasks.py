from celery import shared_task

from apps.exchange.services import deliveries_sweep, delivery_attempt


@shared_task(name="exchange.deliver", acks_late=True, ignore_result=True)
def deliver(delivery_id: int) -> str:
    """Attempt one outbox delivery; a retry is rescheduled by the service, not by Celery."""
    delivery = delivery_attempt(delivery_id=delivery_id)
    return delivery.status if delivery else "not due or already claimed"


@shared_task(name="exchange.sweep_deliveries", ignore_result=True)
def sweep_deliveries() -> int:
    """Beat's safety net: re-enqueue due deliveries so a lost broker message loses no work."""
    return deliveries_sweep()
