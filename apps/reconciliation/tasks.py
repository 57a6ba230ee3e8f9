from celery import shared_task
from django.contrib.auth import get_user_model

from apps.reconciliation.choices import Trigger
from apps.reconciliation.services import reconciliation_names, reconciliation_run


@shared_task(name="reconciliation.run")
def reconciliation_run_task(*, name: str, trigger: str, actor_id: int | None = None) -> None:
    """One reconciliation; a failed run is recorded on its row, not retried here."""
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    reconciliation_run(name=name, trigger=trigger, actor=actor)


@shared_task(name="reconciliation.run_all")
def reconciliation_run_all_task() -> None:
    """Beat's nightly entry: every registered reconciliation, one task each on the bulk queue."""
    for name in reconciliation_names():
        reconciliation_run_task.apply_async(
            kwargs={"name": name, "trigger": Trigger.BEAT}, queue="bulk"
        )
