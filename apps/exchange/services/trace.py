from apps.core.json_input import text_storable
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
        subject_type=subject_type,
        subject_key=subject_key,
        stage=stage,
        outcome=outcome,
        message=text_storable(message),
        data=text_storable(data or {}),
        envelope=envelope,
        delivery=delivery,
        actor=actor,
    )
