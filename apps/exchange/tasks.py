from celery import shared_task

from apps.core.errors import TransportError
from apps.exchange.services import deliveries_sweep, delivery_attempt
from apps.exchange.stages.batch import SyncBusy, sync_run, sync_summary


@shared_task(name="exchange.deliver", acks_late=True, ignore_result=True)
def deliver(delivery_id: int) -> str:
    """Attempt one outbox delivery; a retry is rescheduled by the service, not by Celery."""
    delivery = delivery_attempt(delivery_id=delivery_id)
    return delivery.status if delivery else "not due or already claimed"


@shared_task(name="exchange.sweep_deliveries", ignore_result=True)
def sweep_deliveries() -> int:
    """Beat's safety net: re-enqueue due deliveries so a lost broker message loses no work."""
    return deliveries_sweep()


# A source that is down is tried again a few times in the night; each try resumes the run.
SYNC_RETRIES, SYNC_RETRY_SECONDS = 3, 600


@shared_task(bind=True, name="exchange.sync_run", acks_late=True, ignore_result=True)
def sync_run_task(self, name: str) -> str:
    """Start or resume the named batch sync; a run already going elsewhere is left to it."""
    try:
        run = sync_run(name=name, trigger="beat")
    except SyncBusy as busy:
        return busy.message
    except TransportError as exc:
        if exc.retryable and self.request.retries < SYNC_RETRIES:
            raise self.retry(countdown=SYNC_RETRY_SECONDS) from exc
        return exc.message
    return sync_summary(run)
