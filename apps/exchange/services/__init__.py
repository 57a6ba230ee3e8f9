"""The exchange app's public operations, for interfaces (API, admin, commands, tasks) to call.

The pipeline itself is shaped in two parts: `stages/` (what every flow shares: intake,
route, deliver, replay, trace) and `handlers/` (one module per flow, registered by code).
"""

from apps.exchange.stages.claim import deliveries_sweep
from apps.exchange.stages.controls import (
    delivery_hold,
    delivery_retry_now,
    replay_range_approve,
    replay_range_deliveries,
    replay_range_refuse,
    replay_range_request,
)
from apps.exchange.stages.drain import delivery_attempt
from apps.exchange.stages.intake import IntakeAnswer, envelope_receive, intake_receive
from apps.exchange.stages.replay import replay_approve
from apps.exchange.stages.route import delivery_enqueue, delivery_schedule
from apps.exchange.stages.trace import trace_record

__all__ = [
    "IntakeAnswer",
    "deliveries_sweep",
    "delivery_hold",
    "delivery_retry_now",
    "replay_range_approve",
    "replay_range_deliveries",
    "replay_range_refuse",
    "replay_range_request",
    "delivery_attempt",
    "delivery_enqueue",
    "delivery_schedule",
    "envelope_receive",
    "intake_receive",
    "replay_approve",
    "trace_record",
]
