"""Every inbound payload: stored as received, deduplicated by partner key, answered once."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from apps.core.errors import Conflict, HubError, ValidationFailed
from apps.core.hashing import canonical_json_hash, content_hash
from apps.exchange.models import Envelope, EnvelopeStatus, TraceOutcome
from apps.exchange.services.trace import trace_record


@dataclass(frozen=True)
class IntakeAnswer:
    """What the partner is told; a repeat of the same request is told the same."""

    status: int
    body: dict
    subject_key: str = ""


def envelope_receive(
    *,
    flow,
    partner,
    idempotency_key: str,
    raw: bytes,
    content_type: str,
    process: Callable[[Envelope], IntakeAnswer],
) -> IntakeAnswer:
    """Store the payload, then run `process` on it exactly once per idempotency key."""
    envelope, earlier = _envelope_store(flow, partner, idempotency_key, raw, content_type)
    if earlier is not None:
        return earlier
    if not idempotency_key:
        _reject(
            envelope,
            ValidationFailed(
                "Send an Idempotency-Key header so a retried request is never applied twice.",
                code="idempotency_key_required",
                fields={"Idempotency-Key": ["This header is required."]},
            ),
        )
    try:
        answer = process(envelope)
    except HubError as exc:
        _reject(envelope, exc)
    except Exception:
        # A bug must not pin the key as "in progress" forever; the raw payload stays kept.
        Envelope.objects.filter(pk=envelope.pk).update(
            status=EnvelopeStatus.REJECTED, response_status=500, error_code="internal_error"
        )
        raise
    Envelope.objects.filter(pk=envelope.pk).update(
        status=EnvelopeStatus.ACCEPTED,
        response_status=answer.status,
        response_body=answer.body,
        subject_key=answer.subject_key,
    )
    return answer


def _body_hash(raw: bytes) -> str:
    # Key order and whitespace differ between HTTP clients; the same JSON is the same body.
    try:
        return canonical_json_hash(json.loads(raw))
    except (UnicodeDecodeError, ValueError):
        return content_hash(raw)


def _envelope_store(flow, partner, key, raw, content_type):
    body_hash = _body_hash(raw)
    if key:
        earlier = _earlier_answer(flow, partner, key, body_hash)
        if earlier is not None:
            return None, earlier
    try:
        with transaction.atomic():
            envelope = Envelope.objects.create(
                partner=partner,
                flow=flow,
                idempotency_key=key,
                body_hash=body_hash,
                raw=raw,
                content_type=content_type,
            )
    except IntegrityError:
        # Another request with this key won the race; answer as its repeat.
        return None, _earlier_answer(flow, partner, key, body_hash)
    return envelope, None


def _earlier_answer(flow, partner, key, body_hash) -> IntakeAnswer | None:
    live = Envelope.objects.filter(
        partner=partner,
        flow=flow,
        idempotency_key=key,
        status__in=[EnvelopeStatus.PROCESSING, EnvelopeStatus.ACCEPTED],
    ).first()
    if live is None:
        return None
    if live.body_hash != body_hash:
        raise Conflict(
            "This Idempotency-Key was already used with a different body.",
            code="idempotency_key_reused",
        )
    if live.status == EnvelopeStatus.PROCESSING:
        raise Conflict(
            "A request with this Idempotency-Key is still being processed; retry shortly.",
            code="idempotency_key_in_progress",
        )
    return IntakeAnswer(live.response_status, live.response_body, live.subject_key)


def _reject(envelope: Envelope, exc: HubError):
    Envelope.objects.filter(pk=envelope.pk).update(
        status=EnvelopeStatus.REJECTED, response_status=exc.status, error_code=exc.code
    )
    trace_record(
        subject_type="envelope",
        subject_key=str(envelope.pk),
        stage="reject",
        outcome=TraceOutcome.FAILED,
        message=exc.message,
        envelope=envelope,
        data={"code": exc.code, "fields": exc.fields},
    )
    raise exc


def json_document(raw: bytes):
    """Bytes to JSON, or a structured 400."""
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationFailed(f"The body is not valid JSON: {exc}", code="malformed_json") from exc
