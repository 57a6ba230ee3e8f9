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
    """Write one step to a business object's trace."""
    return TraceEvent.objects.create(
        subject_type=subject_type,
        subject_key=subject_key,
        stage=stage,
        outcome=outcome,
        message=message,
        data=data or {},
        envelope=envelope,
        delivery=delivery,
        actor=actor,
    )
