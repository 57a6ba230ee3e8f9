from celery import shared_task

from apps.operations.services import alerts_evaluate


@shared_task(name="operations.evaluate_alerts", ignore_result=True)
def evaluate_alerts() -> int:
    """Beat: alert owners of newly quarantined records."""
    return alerts_evaluate()
