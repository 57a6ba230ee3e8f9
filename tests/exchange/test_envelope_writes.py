"""The envelope's written-out writes store what the ORM would, and the body is parsed once.

apps/exchange/stages/envelope_writes.py replaces `Envelope.objects.create` and the leased
`filter(...).update(...)`; each is compared here with the ORM call it stands for, column by
column (the suite runs on SQLite and PostgreSQL). apps/exchange/stages/intake.py hands the
body it parsed to hash it to the handler's `json_document`; that must give the handler what
parsing it again would, and a body that is not JSON must be refused exactly as before.
"""

import contextlib
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.db import IntegrityError, transaction
from django.db.models.signals import post_init, post_save, pre_init, pre_save
from rest_framework.test import APIClient

from apps.core.errors import ValidationFailed
from apps.core.json_input import json_parse
from apps.exchange.models import Envelope, EnvelopeStatus
from apps.exchange.services import IntakeAnswer, envelope_receive
from apps.exchange.stages import envelope_claim, intake
from apps.exchange.stages.envelope_writes import envelope_insert, envelope_update_leased
from apps.flows.selectors import flow_get
from apps.orders.models import Order
from apps.systems.models import System
from tests.conftest import payload

pytestmark = pytest.mark.django_db

INSTANT = datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)
LATER = INSTANT + timedelta(minutes=5)


def fields(key: str, **extra) -> dict:
    return {
        "partner": System.objects.get(code="storefront"),
        "flow": flow_get(code="order-capture"),
        "idempotency_key": key,
        "body_hash": "ab" * 32,
        "raw": b'{"a": "\xc3\xa9"}\xff\x00 not only text',
        "content_type": "application/json; charset=utf-8",
        "lease_token": "t" * 32,
        "lease_expires_at": LATER,
        **extra,
    }


def stored(pk: int) -> dict:
    row = Envelope.objects.filter(pk=pk).values().get()
    del row["id"], row["idempotency_key"]
    row["raw"] = bytes(row["raw"])
    return row


def test_nothing_listens_to_an_envelope_being_saved():
    # envelope_insert sends no model signal: a receiver added later would be skipped.
    for signal in (pre_init, post_init, pre_save, post_save):
        assert not signal.has_listeners(Envelope), signal
    assert not hasattr(Envelope, "history"), "simple-history would miss rows inserted here"


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"lease_expires_at": None, "content_type": "", "subject_key": "HUB-1"},
        {"status": EnvelopeStatus.REJECTED, "response_status": 409, "error_code": "x"},
    ],
)
def test_insert_stores_what_create_stores(cast, extra):
    with mock.patch("django.utils.timezone.now", return_value=INSTANT):
        ours = envelope_insert(**fields("ours", **extra))
        theirs = Envelope.objects.create(**fields("theirs", **extra))
    assert stored(ours.pk) == stored(theirs.pk)
    assert ours.pk and not ours._state.adding
    for name in ("created_at", "updated_at", "status", "raw", "lease_expires_at"):
        assert getattr(ours, name) == getattr(theirs, name), name


def test_insert_refuses_a_second_live_envelope_under_a_key(cast):
    envelope_insert(**fields("same"))
    with pytest.raises(IntegrityError), transaction.atomic():
        envelope_insert(**fields("same"))


UPDATES = [
    {
        "status": EnvelopeStatus.ACCEPTED,
        "response_status": 201,
        "response_body": {"number": "HUB-1", "lines": [1, 2.5, None, "é", {"b": True}]},
        "subject_key": "HUB-1",
        "lease_expires_at": None,
    },
    {"status": EnvelopeStatus.ACCEPTED, "response_status": 200, "response_body": []},
    {
        "status": EnvelopeStatus.REJECTED,
        "response_status": 500,
        "error_code": "internal_error",
        "lease_expires_at": None,
    },
    {"lease_token": "n" * 32, "lease_expires_at": LATER + timedelta(seconds=30)},
]


def pair(**extra) -> tuple[Envelope, Envelope]:
    with mock.patch("django.utils.timezone.now", return_value=INSTANT):
        return (
            Envelope.objects.create(**fields("ours", **extra)),
            Envelope.objects.create(**fields("theirs", **extra)),
        )


@pytest.mark.parametrize("values", UPDATES)
def test_leased_update_stores_what_the_orm_update_stores(cast, values):
    ours, theirs = pair()
    assert envelope_update_leased(ours, **values) == 1
    mine = Envelope.objects.filter(
        pk=theirs.pk, status=EnvelopeStatus.PROCESSING, lease_token=theirs.lease_token
    )
    assert mine.update(**values) == 1
    assert stored(ours.pk) == stored(theirs.pk)
    assert stored(ours.pk)["updated_at"] == INSTANT, "an update sets no auto_now, as the ORM's"


@pytest.mark.parametrize(
    "held", [{"lease_token": "someone-else"}, {"status": EnvelopeStatus.ACCEPTED}]
)
def test_leased_update_changes_nothing_without_the_lease(cast, held):
    ours, theirs = pair()
    Envelope.objects.filter(pk__in=[ours.pk, theirs.pk]).update(**held)
    before = stored(ours.pk)
    assert envelope_update_leased(ours, **UPDATES[0]) == 0
    mine = Envelope.objects.filter(
        pk=theirs.pk, status=EnvelopeStatus.PROCESSING, lease_token=theirs.lease_token
    )
    assert mine.update(**UPDATES[0]) == 0
    assert stored(ours.pk) == before == stored(theirs.pk)


def test_accept_after_the_lease_was_lost_raises(cast):
    ours, _ = pair()
    Envelope.objects.filter(pk=ours.pk).update(lease_token="someone-else")
    with pytest.raises(intake._LeaseLost):
        intake._accept(ours, IntakeAnswer(201, {"x": 1}))


def receive(raw: bytes, process, key: str = "parse-1") -> IntakeAnswer:
    return envelope_receive(
        flow=flow_get(code="order-capture"),
        partner=System.objects.get(code="storefront"),
        idempotency_key=key,
        raw=raw,
        content_type="application/json",
        process=process,
    )


@contextlib.contextmanager
def parses_counted():
    """One counting json_parse for the body's hash (envelope_claim) and the handler's (intake)."""
    parse = mock.Mock(wraps=json_parse)
    with (
        mock.patch.object(intake, "json_parse", parse),
        mock.patch.object(envelope_claim, "json_parse", parse),
    ):
        yield parse


def test_the_handler_gets_the_document_parsing_would_give_and_only_once(cast):
    raw = b'{"b": [1, 2.5, "\\u00e9"], "a": {"z": null}}'
    seen = []

    def process(envelope, trail):
        first = intake.json_document(bytes(envelope.raw))
        first["mutated"] = True
        seen.extend([first, intake.json_document(bytes(envelope.raw))])
        return IntakeAnswer(201, {})

    with parses_counted() as parse:
        receive(raw, process)
        assert parse.call_count == 2, "hashed, then parsed again only for the second call"
    assert seen[0] == json_parse(raw) | {"mutated": True}
    assert seen[1] == json_parse(raw), "a document is handed out once, never shared"
    assert envelope_claim.PARSED_BODY.get() is None, "nothing is held after the request"


def test_other_bytes_are_parsed_not_handed_the_held_document(cast):
    def process(envelope, trail):
        return IntakeAnswer(201, {"other": intake.json_document(b'{"other": 1}')})

    assert receive(b'{"mine": 1}', process).body == {"other": {"other": 1}}


def test_a_nested_receive_keeps_the_outer_document(cast):
    outer, inner = b'{"outer": 1}', b'{"inner": 2}'

    def inner_process(envelope, trail):
        return IntakeAnswer(201, intake.json_document(bytes(envelope.raw)))

    def outer_process(envelope, trail):
        got = receive(inner, inner_process, key="parse-inner").body
        return IntakeAnswer(201, {"inner": got, **intake.json_document(outer)})

    with parses_counted() as parse:
        answer = receive(outer, outer_process)
    assert answer.body == {"inner": {"inner": 2}, "outer": 1}
    assert parse.call_count == 2


@pytest.mark.parametrize(
    "raw", [b'{"a": ', b"\xff\xfe", b'{"a": NaN}', b'{"a": "\\u0000"}', b"[" * 30 + b"]" * 30]
)
def test_a_body_that_is_not_json_is_refused_as_parsing_refuses_it(cast, raw):
    with pytest.raises(ValidationFailed) as expected:
        json_parse(raw)

    def process(envelope, trail):
        return IntakeAnswer(201, intake.json_document(bytes(envelope.raw)))

    with pytest.raises(ValidationFailed) as refused:
        receive(raw, process)
    assert (refused.value.code, refused.value.message, refused.value.fields) == (
        expected.value.code,
        expected.value.message,
        expected.value.fields,
    )
    assert Envelope.objects.get().status == EnvelopeStatus.REJECTED


def test_an_order_is_parsed_once_and_its_repeat_answered_the_same(cast):
    body = payload("order_storefront_cases.json")

    def post(key: str):
        return APIClient().post(
            "/api/v1/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY=key, **cast.auth()
        )

    with parses_counted() as parse:
        first = post("once-1")
        assert first.status_code == 201, first.content
        assert parse.call_count == 1
    repeat, resend = post("once-1"), post("once-2")
    assert repeat.status_code == first.status_code and repeat.json() == first.json()
    assert resend.json() == first.json(), "a resend under a new key gets the first answer"
    assert Order.objects.count() == 1
    accepted = Envelope.objects.get(idempotency_key="once-1")
    assert (accepted.status, accepted.response_body) == (EnvelopeStatus.ACCEPTED, first.json())
    assert accepted.lease_expires_at is None
