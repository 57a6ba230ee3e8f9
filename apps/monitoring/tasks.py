from celery import shared_task

from apps.monitoring.alerting import rules_evaluate
from apps.operations.services import alerts_evaluate


@shared_task(name="monitoring.evaluate_flow", ignore_result=True)
def evaluate_flow(flow_id: int) -> int:
    """On commit of a quarantine item, dead letter or finished run: alert now, not in 30 s."""
    raised = alerts_evaluate()
    return raised + rules_evaluate(flow_ids=[flow_id])["raised"]
