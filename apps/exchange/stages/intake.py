"""Every inbound payload: stored as received, deduplicated by partner key, answered once.

The envelope row is written before anything can fail, so nothing a partner sends is lost.
While a request works on it, the envelope holds a lease; a process killed mid-request leaves
the lease to lapse, and the next retry with the same key and body takes the work over. The
work and the envelope's answer commit in one transaction, conditional on still holding the
lease, so a taken-over request can never apply its payload twice.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from apps.core.errors import Conflict, HubError, ValidationFailed
from apps.core.json_input import json_parse
from apps.exchange.config_cache import config_cached
from apps.exchange.handlers import handler_for
from apps.exchange.models import Envelope, EnvelopeStatus
from apps.exchange.stages.envelope_claim import (
    PARSED_BODY,
    IntakeAnswer,
    answer_of,
    envelope_claim,
    in_progress,
    keep_refused,
    trace_refusal,
)
from apps.exchange.stages.envelope_writes import envelope_update_leased
from apps.exchange.stages.trace import Trail
from apps.flows.models import DegradedMode
from apps.flows.selectors import flow_accepting, flow_get
from apps.systems.selectors import system_gate

IDEMPOTENCY_KEY = re.compile(r"[\x20-\x7e]{1,200}")


class IntakeFailed(HubError):
    """The hub itself failed on a stored payload; the partner may retry, nothing is lost."""

    code = "internal_error"
    status = 500


class _LeaseLost(Exception):
    """Another request took this envelope over; its answer stands, ours is rolled back."""


def intake_receive(
    *, flow_code: str, partner, idempotency_key: str, raw: bytes, content_type: str, **params
) -> IntakeAnswer:
    """One inbound payload for a flow: stored first, then run once by the flow's handler."""
    # An inactive flow still stores the payload first; it is then refused with the reason.
    # Kept in memory between requests while the configuration is unchanged (config_cache).
    flow = config_cached(
        ("flow", flow_code), lambda: flow_get(code=flow_code, require_active=False)
    )
    handler = handler_for(flow_code)

    def process(envelope: Envelope, trail: Trail) -> IntakeAnswer:
        flow_accepting(flow=flow)
        _degraded_mode_obeyed(flow)
        return handler.receive(flow=flow, partner=partner, envelope=envelope, trail=trail, **params)

    return envelope_receive(
        flow=flow,
        partner=partner,
        idempotency_key=idempotency_key,
        raw=raw,
        content_type=content_type,
        process=process,
    )


class TargetUnavailable(HubError):
    """The flow refuses new work while its target cannot take it (degraded mode "block")."""

    code = "target_unavailable"
    status = 503


def _degraded_mode_obeyed(flow) -> None:
    # "hold" and "accept and queue" take the payload; its deliveries wait at the target's gate.
    if flow.degraded_mode != DegradedMode.BLOCK or flow.target_system is None:
        return
    gate = system_gate(system=flow.target_system, now=timezone.now())
    if not gate.open:
        wait = max(1, math.ceil((gate.until - timezone.now()).total_seconds()))
        raise TargetUnavailable(
            f"Flow {flow.code!r} takes no new payloads while {flow.target_system.code} is "
            f"unavailable ({gate.reason}); retry after {wait} seconds.",
            retry_after=wait,
        )


def envelope_receive(
    *,
    flow,
    partner,
    idempotency_key: str,
    raw: bytes,
    content_type: str,
    process: Callable[[Envelope, Trail], IntakeAnswer],
) -> IntakeAnswer:
    """Store the payload, then run `process` on it exactly once per idempotency key."""
    parsed = PARSED_BODY.set(None)
    try:
        return _envelope_receive(flow, partner, idempotency_key, raw, content_type, process)
    finally:
        PARSED_BODY.reset(parsed)


def _envelope_receive(flow, partner, idempotency_key, raw, content_type, process):
    key_problem = _key_problem(idempotency_key)
    key = "" if key_problem else idempotency_key
    try:
        envelope, earlier = envelope_claim(flow, partner, key, raw, content_type)
    except Conflict as exc:
        keep_refused(flow, partner, key, raw, content_type, exc)
    if earlier is not None:
        return earlier
    if key_problem:
        _reject(envelope, key_problem)
    return _envelope_process(envelope, process)


def json_document(raw: bytes):
    """Bytes to JSON under the hub's input limits, or a structured 400."""
    held = PARSED_BODY.get()
    if held is not None and held[0] == raw:
        # The same bytes parsed by json_parse while hashing them: the same document. A body
        # that failed to parse is never held, so its error is raised here as before.
        PARSED_BODY.set(None)
        return held[1]
    return json_parse(raw)


def _key_problem(key: str) -> ValidationFailed | None:
    if not key:
        return ValidationFailed(
            "Send an Idempotency-Key header so a retried request is never applied twice.",
            code="idempotency_key_required",
            fields={"Idempotency-Key": ["This header is required."]},
        )
    if not IDEMPOTENCY_KEY.fullmatch(key):
        return ValidationFailed(
            "The Idempotency-Key header must be 1 to 200 printable ASCII characters.",
            code="idempotency_key_invalid",
            fields={"Idempotency-Key": ["1 to 200 printable ASCII characters."]},
        )
    return None


def _envelope_process(envelope: Envelope, process) -> IntakeAnswer:
    trail = Trail(envelope)
    trail.record(
        "receive",
        f"Payload stored as received from {envelope.partner.code} "
        f"(key {envelope.idempotency_key}).",
        data={"envelope": envelope.pk, "body_hash": envelope.body_hash},
    )
    try:
        with transaction.atomic():
            answer = process(envelope, trail)
            trail.write()
            _accept(envelope, answer)
    except _LeaseLost:
        return _holder_answer(envelope)
    except HubError as exc:
        trail.write()  # the stages that ran stay on the trace, though their work rolled back
        _reject(envelope, exc)
    except Exception as exc:
        trail.write()
        _fail(envelope, exc)
        raise IntakeFailed(
            f"The hub failed while processing this request. The payload is kept "
            f"(envelope {envelope.pk}) and the error is logged; retrying is safe.",
        ) from exc
    return answer


def _holder_answer(envelope: Envelope) -> IntakeAnswer:
    current = Envelope.objects.get(pk=envelope.pk)
    if current.status == EnvelopeStatus.ACCEPTED:
        return answer_of(current)
    raise in_progress(timedelta(seconds=1))


def _accept(envelope: Envelope, answer: IntakeAnswer) -> None:
    accepted = envelope_update_leased(
        envelope,
        status=EnvelopeStatus.ACCEPTED,
        response_status=answer.status,
        response_body=answer.body,
        subject_key=answer.subject_key,
        lease_expires_at=None,
    )
    if not accepted:
        raise _LeaseLost


def _reject(envelope: Envelope, exc: HubError):
    _close(envelope, exc.status, exc.code)
    trace_refusal(envelope, "reject", exc.message, {"code": exc.code, "fields": exc.fields})
    raise exc


def _fail(envelope: Envelope, exc: Exception) -> None:
    # A bug must not pin the key as "in progress" forever; the raw payload stays kept.
    _close(envelope, 500, IntakeFailed.code)
    name = type(exc).__name__
    message = f"The hub failed while processing this payload ({name}); the traceback is logged."
    trace_refusal(envelope, "fail", message, {"exception": name})


def _close(envelope: Envelope, status: int, code: str) -> None:
    envelope_update_leased(
        envelope,
        status=EnvelopeStatus.REJECTED,
        response_status=status,
        error_code=code,
        lease_expires_at=None,
    )
