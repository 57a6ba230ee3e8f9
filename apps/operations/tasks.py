from celery import shared_task

from apps.monitoring.alerting import rules_evaluate
from apps.operations.services import alerts_evaluate


@shared_task(name="operations.evaluate_alerts", ignore_result=True)
def evaluate_alerts() -> int:
    """Beat, the safety net behind the on-commit hooks: item alerts, then every alert rule."""
    raised = alerts_evaluate()
    return raised + rules_evaluate()["raised"]
