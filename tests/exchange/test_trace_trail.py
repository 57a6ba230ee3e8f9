"""A payload's trail stores the trace rows its TraceEvent instances would: the rows go to the
prebuilt INSERT as fields (apps/core/insert.py rows_insert_fields), no instance built."""

import pytest

from apps.core.insert import rows_insert
from apps.exchange.models import Delivery, Envelope, TraceEvent, TraceOutcome
from apps.exchange.stages.trace import Trail
from apps.flows.models import Flow
from apps.systems.models import System
from tests.core.rows_written import INSTANT, stored

pytestmark = pytest.mark.django_db


def test_a_trail_stores_the_rows_its_instances_would(cast):
    partner = System.objects.get(code="storefront")
    flow = Flow.objects.get(code="order-capture")
    envelope = Envelope.objects.create(partner=partner, flow=flow, body_hash="x", raw=b"{}")
    [delivery] = rows_insert(
        [
            Delivery(
                flow=flow,
                target_system=flow.target_system,
                subject_type="order",
                subject_key="HUB-1",
                path="orders/",
                payload={},
                idempotency_key="hub-trail-1",
                next_attempt_at=INSTANT,
            )
        ]
    )

    def trail() -> Trail:
        made = Trail(envelope)
        made.record("receive", "Stored from storefront (key k\x00).", data={"envelope": 1})
        made.record("validate", "Lines break the rules.", outcome=TraceOutcome.FAILED)
        made.subject_is("order", "HUB-0000042")
        made.record("route", "Queued.", data={"lines": [1, "é\x00"]}, delivery=delivery)
        return made

    def as_instances():
        made = trail()
        rows_insert([TraceEvent(**row, envelope=made.envelope) for row in made.rows])

    def written():
        made = trail()
        made.write()
        assert made.rows == []
        made.write()  # nothing more to write

    theirs, ours = stored(as_instances, TraceEvent), stored(written, TraceEvent)
    assert ours == theirs and len(ours) == 3
    assert {row["subject_key"] for row in ours} == {"HUB-0000042"}
    assert ours[2]["delivery_id"] == delivery.pk and ours[0]["envelope_id"] == envelope.pk
    assert "\x00" not in ours[0]["message"] and ours[1]["outcome"] == "failed"
