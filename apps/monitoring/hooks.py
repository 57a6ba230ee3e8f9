"""Raise alerts the moment their cause is committed, wherever in the pipeline it was made.

Quarantine items (records held, dead letters, mismatches) and sync runs are written by other
apps' services; rather than have each of them call up into monitoring, these receivers enqueue
one evaluation of the flow after the transaction commits. Batch inserts send no signal: the
finished SyncRun that made them does, and the 30-second beat remains the safety net.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from kombu.exceptions import OperationalError

from apps.exchange.models import SyncRun, SyncStatus
from apps.flows.models import Flow
from apps.monitoring.changes import schema_change_hold
from apps.monitoring.tasks import evaluate_flow
from apps.quarantine.models import QuarantineItem

log = logging.getLogger(__name__)


def _evaluate_on_commit(flow_id: int) -> None:
    # A transaction that holds many records of one flow evaluates that flow once.
    waiting = transaction.get_connection().run_on_commit
    if any(getattr(entry[1], "monitoring_flow", None) == flow_id for entry in waiting):
        return

    def enqueue() -> None:
        try:
            evaluate_flow.delay(flow_id)
        except OperationalError as exc:
            log.warning("alert evaluation for flow %s left to the beat: %s", flow_id, exc)

    enqueue.monitoring_flow = flow_id
    # Robust: the record that caused it is already committed; a failed evaluation is logged
    # and the beat's next poll raises the alert instead of the sender seeing an error.
    transaction.on_commit(enqueue, robust=True)


@receiver(post_save, sender=QuarantineItem, dispatch_uid="monitoring-item")
def quarantine_item_saved(sender, instance: QuarantineItem, created: bool, **kwargs) -> None:
    _evaluate_on_commit(instance.flow_id)


@receiver(post_save, sender=SyncRun, dispatch_uid="monitoring-run")
def sync_run_saved(sender, instance: SyncRun, **kwargs) -> None:
    if instance.status in (SyncStatus.FAILED, SyncStatus.SUCCEEDED):
        _evaluate_on_commit(instance.flow_id)


@receiver(pre_save, sender=Flow, dispatch_uid="monitoring-schema-change")
def flow_saving(sender, instance: Flow, raw: bool = False, **kwargs) -> None:
    if not raw and instance.pk:
        schema_change_hold(flow=instance)
