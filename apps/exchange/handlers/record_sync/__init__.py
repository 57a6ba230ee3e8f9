"""Record sync: master-data writes from any system, each field held to the ownership matrix.

Planning and applying a write live in `write.py`; replays of held writes in `replay.py`.
"""

from __future__ import annotations

from apps.exchange.handlers import FlowHandler, flow_handler
from apps.exchange.handlers.record_sync.replay import record_replay
from apps.exchange.handlers.record_sync.write import (
    RECORD_FLOW,
    record_apply,
    record_plan,
)
from apps.exchange.stages.intake import IntakeAnswer, json_document
from apps.exchange.stages.trace import Trail


@flow_handler
class RecordSync(FlowHandler):
    flow_code = RECORD_FLOW
    subject_type = "record"

    def receive(self, *, flow, partner, envelope, trail: Trail, entity: str) -> IntakeAnswer:
        document = json_document(bytes(envelope.raw))
        plan = record_plan(entity=entity, document=document, writer=partner)
        return record_apply(plan, document, partner, flow, trail)

    def replay(self, *, item, actor) -> None:
        record_replay(item=item, actor=actor)
