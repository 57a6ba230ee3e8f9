"""Which envelope a request works on: a new one under its lease, an earlier answer, or a 409.

The same key (or, within the duplicate window, the same body under a new key) is answered
with what the first request was told; a live request's key is refused with Retry-After until
its lease lapses, after which a retry takes the work over. Every request is stored as
received, refused ones included.
"""

from __future__ import annotations

import math
import uuid
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from apps.core.errors import Conflict, ValidationFailed
from apps.core.hashing import canonical_json_hash, content_hash
from apps.core.json_input import json_parse, text_storable
from apps.exchange.models import Envelope, EnvelopeStatus, TraceEvent, TraceOutcome
from apps.exchange.stages.envelope_writes import envelope_insert, envelope_update_leased
from apps.exchange.stages.trace import trace_record

CONTENT_TYPE_CHARACTERS = Envelope._meta.get_field("content_type").max_length

# The body as parsed to hash it, (raw, document), for the handler's json_document: a JSON
# body is parsed once per request. Set for one envelope_receive call (nested calls restore
# the outer one's) and taken at most once, so no document is ever handed out twice.
PARSED_BODY: ContextVar[tuple[bytes, object] | None] = ContextVar("intake_parsed", default=None)


@dataclass(frozen=True)
class IntakeAnswer:
    """What the partner is told; a repeat of the same request is told the same."""

    status: int
    body: dict
    subject_key: str = ""


def storable_content_type(content_type: str) -> str:
    # Header metadata, kept for reading: cut to its column, characters no database takes replaced.
    return text_storable(content_type)[:CONTENT_TYPE_CHARACTERS]


def _body_hash(raw: bytes) -> str:
    # Key order and whitespace differ between HTTP clients; the same JSON is the same body.
    try:
        document = json_parse(raw)
    except ValidationFailed:
        return content_hash(raw)
    PARSED_BODY.set((raw, document))
    return canonical_json_hash(document)


def _lease() -> tuple[str, object]:
    expires = timezone.now() + timedelta(seconds=settings.HUB_INTAKE_LEASE_SECONDS)
    return uuid.uuid4().hex, expires


def keep_refused(flow, partner, key, raw, content_type, exc: Conflict):
    # Even a request refused for its key is kept as received: nothing a partner sends is lost.
    envelope = Envelope.objects.create(
        partner=partner,
        flow=flow,
        idempotency_key=key,
        body_hash=_body_hash(raw),
        raw=raw,
        content_type=storable_content_type(content_type),
        status=EnvelopeStatus.REJECTED,
        response_status=exc.status,
        error_code=exc.code,
    )
    trace_refusal(envelope, "reject", exc.message, {"code": exc.code})
    raise exc


def envelope_claim(flow, partner, key, raw, content_type):
    """(envelope to process, None) or (None, the earlier answer); raises 409 when in doubt."""
    body_hash = _body_hash(raw)
    for _ in range(3):
        earlier = _earlier_envelope(flow, partner, key, body_hash) if key else None
        if earlier is not None and earlier.idempotency_key == key:
            return _repeat_or_takeover(earlier, body_hash)
        if earlier is not None:
            try:
                return None, _duplicate_answered(earlier, key, raw, content_type)
            except IntegrityError:
                continue
        token, expires = _lease()
        try:
            envelope = _insert_alone(
                partner=partner,
                flow=flow,
                idempotency_key=key,
                body_hash=body_hash,
                raw=raw,
                content_type=storable_content_type(content_type),
                lease_token=token,
                lease_expires_at=expires,
            )
        except IntegrityError:
            continue  # another request with this key won the race; answer as its repeat
        return envelope, None
    raise Conflict(
        "A request with this Idempotency-Key is being processed; retry shortly.",
        code="idempotency_key_in_progress",
        retry_after=1,
    )


def _insert_alone(**fields) -> Envelope:
    # A lone INSERT in autocommit mode commits by itself: wrapping it in a transaction would
    # add a BEGIN and a COMMIT round trip. Inside a caller's transaction, a savepoint keeps a
    # refused insert (the key's race lost) from spoiling that transaction.
    if not transaction.get_connection().in_atomic_block:
        return envelope_insert(**fields)
    with transaction.atomic():
        return envelope_insert(**fields)


def _earlier_envelope(flow, partner, key: str, body_hash: str) -> Envelope | None:
    """The live envelope under this key, else the first one with this body in the duplicate
    window; one query, and a second only to load an envelope found (a repeat)."""
    pk = _earlier_pk(flow, partner, key, body_hash)
    return None if pk is None else Envelope.objects.filter(pk=pk).first()


# Each branch is one index lookup (the live-key constraint's partial index, whose condition
# the non-empty key repeats so PostgreSQL uses it; the body-hash index), rather than one OR
# over every envelope of the partner in the flow. Written out, not built with the ORM: on
# every request, and the ORM's building cost ten times the database's answer.
_LIVE_UNDER_KEY = (
    "SELECT id, 0 AS rank FROM exchange_envelope WHERE partner_id = %s AND flow_id = %s"
    " AND idempotency_key = %s AND idempotency_key <> '' AND status IN (%s, %s)"
)
_FIRST_WITH_BODY = (
    "SELECT id, 1 AS rank FROM (SELECT id FROM exchange_envelope WHERE partner_id = %s"
    " AND flow_id = %s AND body_hash = %s AND status = %s AND duplicate_of_id IS NULL"
    " AND created_at >= %s ORDER BY created_at LIMIT 1) first_with_body"
)


def _earlier_pk(flow, partner, key: str, body_hash: str) -> int | None:
    # The key's own envelope wins over a same-body one (at most one is live per key).
    accepted = EnvelopeStatus.ACCEPTED.value
    sql = _LIVE_UNDER_KEY
    params = [partner.pk, flow.pk, key, EnvelopeStatus.PROCESSING.value, accepted]
    window = settings.HUB_DUPLICATE_WINDOW_SECONDS
    if window:
        # As the ORM would send it (SQLite keeps naive UTC text).
        since = timezone.now() - timedelta(seconds=window)
        sql = f"{sql} UNION ALL {_FIRST_WITH_BODY}"
        since = connection.ops.adapt_datetimefield_value(since)
        params += [partner.pk, flow.pk, body_hash, accepted, since]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM ({sql}) earlier ORDER BY rank LIMIT 1", params)
        row = cursor.fetchone()
    return row[0] if row else None


def _duplicate_answered(first: Envelope, key: str, raw: bytes, content_type: str) -> IntakeAnswer:
    # The same body under a new key is a resend whose sender lost our answer: it gets that
    # answer, kept under its own key, and never a second business object.
    with transaction.atomic():
        envelope = Envelope.objects.create(
            partner=first.partner,
            flow=first.flow,
            idempotency_key=key,
            body_hash=first.body_hash,
            raw=raw,
            content_type=storable_content_type(content_type),
            status=EnvelopeStatus.ACCEPTED,
            response_status=first.response_status,
            response_body=first.response_body,
            subject_key=first.subject_key,
            duplicate_of=first,
        )
    subject = (
        TraceEvent.objects.filter(envelope=first)
        .exclude(subject_type="envelope")
        .values_list("subject_type", "subject_key")
        .first()
    ) or ("envelope", str(first.pk))
    trace_record(
        subject_type=subject[0],
        subject_key=subject[1],
        stage="duplicate",
        outcome=TraceOutcome.NOTE,
        envelope=envelope,
        message=f"The same body arrived again under key {key} (first under "
        f"{first.idempotency_key}); answered with the first result, nothing applied twice.",
        data={"first_envelope": first.pk, "envelope": envelope.pk},
    )
    return answer_of(envelope)


def _repeat_or_takeover(live: Envelope, body_hash: str):
    if live.body_hash != body_hash:
        raise Conflict(
            "This Idempotency-Key was already used with a different body.",
            code="idempotency_key_reused",
        )
    if live.status == EnvelopeStatus.ACCEPTED:
        return None, answer_of(live)
    now = timezone.now()
    if live.lease_expires_at and live.lease_expires_at > now:
        raise in_progress(live.lease_expires_at - now)
    token, expires = _lease()
    taken = envelope_update_leased(live, lease_token=token, lease_expires_at=expires)
    if not taken:
        raise in_progress(timedelta(seconds=1))  # another retry took it over first
    live.lease_token, live.lease_expires_at = token, expires
    trace_record(
        subject_type="envelope",
        subject_key=str(live.pk),
        stage="takeover",
        outcome=TraceOutcome.NOTE,
        message="The request handling this payload stopped before answering; "
        "a retry with the same key took the work over.",
        envelope=live,
    )
    return live, None


def in_progress(left: timedelta) -> Conflict:
    return Conflict(
        "A request with this Idempotency-Key is still being processed; retry shortly.",
        code="idempotency_key_in_progress",
        retry_after=max(1, math.ceil(left.total_seconds())),
    )


def answer_of(envelope: Envelope) -> IntakeAnswer:
    return IntakeAnswer(envelope.response_status, envelope.response_body, envelope.subject_key)


def trace_refusal(envelope: Envelope, stage: str, message: str, data: dict) -> None:
    trace_record(
        subject_type="envelope",
        subject_key=str(envelope.pk),
        stage=stage,
        outcome=TraceOutcome.FAILED,
        message=message,
        envelope=envelope,
        data=data,
    )
