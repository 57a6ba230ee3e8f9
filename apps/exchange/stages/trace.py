"""The trace: every step in a business object's life, payload to delivery to human action."""

from __future__ import annotations

from apps.core.insert import rows_insert_fields
from apps.core.json_input import text_storable
from apps.core.tracing import current_trace_id
from apps.exchange.models import TraceEvent, TraceOutcome


def trace_record(
    *,
    subject_type: str,
    subject_key: str,
    stage: str,
    message: str,
    outcome: str = TraceOutcome.OK,
    data: dict | None = None,
    envelope=None,
    delivery=None,
    actor=None,
) -> TraceEvent:
    """Write one step to a business object's trace; quoted partner text is made storable."""
    return TraceEvent.objects.create(
        **_row(subject_type, subject_key, stage, message, outcome, data),
        envelope=envelope,
        delivery=delivery,
        actor=actor,
    )


def trace_record_bulk(*, steps: list[dict], envelope=None, delivery=None) -> None:
    """Write one step to each of many business objects' traces in one query (a batch's
    levels or prices); each step names subject_type, subject_key, stage, message and may
    name outcome and data."""
    TraceEvent.objects.bulk_create(
        TraceEvent(
            **_row(
                step["subject_type"],
                step["subject_key"],
                step["stage"],
                step["message"],
                step.get("outcome", TraceOutcome.OK),
                step.get("data"),
            ),
            envelope=envelope,
            delivery=delivery,
        )
        for step in steps
    )


def _row(subject_type, subject_key, stage, message, outcome, data) -> dict:
    return {
        "subject_type": subject_type,
        "subject_key": subject_key,
        "stage": stage,
        "outcome": outcome,
        "message": text_storable(message),
        "data": text_storable(data or {}),
        "trace_id": current_trace_id(),
    }


class Trail:
    """The stage rows of one inbound payload, recorded as each stage runs.

    A payload is processed inside one transaction; a failure rolls its work back, and would
    take the trace rows of the stages that did run with it. So rows are kept here and written
    with the work when it commits, or after the rollback when a stage fails: either way every
    stage that ran is on the trace. Until the business object exists, rows are about the
    envelope; `subject_is` moves them to the object once it does.
    """

    def __init__(self, envelope):
        self.envelope = envelope
        self.subject = ("envelope", str(envelope.pk))
        self.rows: list[dict] = []

    def record(
        self, stage: str, message: str, *, outcome: str = TraceOutcome.OK, data=None, delivery=None
    ) -> None:
        row = _row(*self.subject, stage, message, outcome, data)
        self.rows.append({**row, "delivery": delivery})

    def subject_is(self, subject_type: str, subject_key: str) -> None:
        """The payload became this business object: its trace starts with the payload's stages."""
        self.subject = (subject_type, subject_key)
        for row in self.rows:
            row["subject_type"], row["subject_key"] = self.subject

    def write(self) -> None:
        """Write the rows recorded so far (one query), then start afresh."""
        # Every payload writes its trail: the INSERT is built once, not compiled per payload,
        # and the rows go to it as they are, without a TraceEvent built for each.
        rows_insert_fields(TraceEvent, [{**row, "envelope": self.envelope} for row in self.rows])
        self.rows = []
