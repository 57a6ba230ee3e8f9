"""Simulated outside systems: what they received and the failures they were told to fake."""

from __future__ import annotations

import time
import uuid

import requests
from django.db import IntegrityError, transaction
from django.db.models import F

from apps.core.errors import Conflict, TransportError, ValidationFailed
from apps.sandbox.models import SandboxFault, SandboxReceipt, SandboxWebhook

FAULT_FIELDS = {"status", "count", "latency_ms", "down", "reject_sku", "retry_after", "after"}


def fault_set(*, system: str, spec: dict) -> SandboxFault:
    """Replace the faults of a system with `spec`."""
    unknown = set(spec) - FAULT_FIELDS
    if unknown:
        raise ValidationFailed(f"Unknown fault fields: {', '.join(sorted(unknown))}.")
    retry_after = spec.get("retry_after")
    if retry_after is not None and not (isinstance(retry_after, int) and retry_after > 0):
        raise ValidationFailed("retry_after is a whole number of seconds, at least 1.")
    after = spec.get("after", 0)
    if not (isinstance(after, int) and not isinstance(after, bool) and after >= 0):
        raise ValidationFailed("after is how many calls to serve before failing: 0 or more.")
    values = {
        "status": None,
        "count": None,
        "latency_ms": 0,
        "down": False,
        "reject_sku": "",
        "retry_after": None,
        "after": 0,
    }
    values.update(spec)
    fault, _ = SandboxFault.objects.update_or_create(system=system, defaults=values)
    return fault


def fault_clear(*, system: str) -> None:
    SandboxFault.objects.filter(system=system).delete()


@transaction.atomic
def fault_take(*, system: str) -> tuple[int | None, str]:
    """The failure to fake on this call, if any: (HTTP status, reason); uses up one count."""
    fault = SandboxFault.objects.select_for_update().filter(system=system).first()
    if fault is None:
        return None, ""
    if fault.after:
        SandboxFault.objects.filter(pk=fault.pk).update(after=F("after") - 1)
        return None, fault.reject_sku
    if fault.latency_ms:
        time.sleep(fault.latency_ms / 1000)
    if fault.down:
        return 503, "down"
    if fault.status and (fault.count is None or fault.count > 0):
        if fault.count is not None:
            SandboxFault.objects.filter(pk=fault.pk).update(count=F("count") - 1)
        return fault.status, "injected"
    return None, fault.reject_sku


def receipt_for_key(*, system: str, key: str) -> SandboxReceipt | None:
    return (
        SandboxReceipt.objects.filter(system=system, idempotency_key=key).first() if key else None
    )


def erp_order_accept(*, key: str, body: dict) -> tuple[int, dict]:
    """The sandbox ERP's order intake: idempotent by key, refuses a SKU it was told to."""
    earlier = receipt_for_key(system="erp", key=key)
    if earlier is not None:
        return _earlier_answer(earlier)
    status, reason = fault_take(system="erp")
    if status:
        return status, _fault_answer(system="erp", reason=reason)
    skus = {line.get("item") for line in body.get("lines", [])}
    if reason and reason in skus:
        return 422, {"error": f"SKU {reason} is blocked in the ERP"}
    receipt, new = _receipt_once(system="erp", path="orders/", key=key, body=body)
    if not new:
        return _earlier_answer(receipt)
    receipt.answer = {"order_number": f"ERP-{500000 + receipt.pk}", "status": "accepted"}
    receipt.save(update_fields=["answer"])
    return 201, receipt.answer


def _earlier_answer(receipt: SandboxReceipt) -> tuple[int, dict]:
    # A resend that overtook the first request is told "busy", as a real ERP would.
    return (201, receipt.answer) if receipt.answer else (409, {"error": "in progress"})


def _receipt_once(*, system: str, path: str, key: str, body: dict, answer=None):
    """(receipt, True) for a key first seen now; (the earlier receipt, False) for a repeat,
    even one racing the first: the database, not a read, decides."""
    try:
        with transaction.atomic():
            receipt = SandboxReceipt.objects.create(
                system=system, path=path, idempotency_key=key, body=body, answer=answer or {}
            )
    except IntegrityError:
        return SandboxReceipt.objects.get(system=system, idempotency_key=key), False
    return receipt, True


def _fault_answer(*, system: str, reason: str) -> dict:
    """A faked failure's body; with `retry_after` the view also sends it as Retry-After."""
    answer = {"error": f"sandbox fault: {reason}"}
    fault = SandboxFault.objects.filter(system=system).first()
    if fault is not None and fault.retry_after:
        answer["retry_after"] = fault.retry_after
    return answer


def storefront_status_accept(*, key: str, body: dict) -> tuple[int, dict]:
    """The sandbox storefront takes an order status notification, once per idempotency key."""
    earlier = receipt_for_key(system="storefront", key=key)
    if earlier is not None:
        return 200, earlier.answer
    status, _ = fault_take(system="storefront")
    if status:
        return status, {"error": "sandbox fault: injected"}
    receipt, _ = _receipt_once(
        system="storefront",
        path="order-status/",
        key=key,
        body=body,
        answer={"status": "received"},
    )
    return 200, receipt.answer


def webhook_configure(*, system: str, spec: dict) -> SandboxWebhook:
    """Tell a simulated system where the hub's webhook is and which partner token to send
    (and, for a system that signs its calls, the signing secret the hub issued it)."""
    if set(spec) - {"secret"} != {"url", "token"} or not all(
        isinstance(v, str) and v for v in spec.values()
    ):
        raise ValidationFailed(
            'Send {"url": "<hub webhook URL>", "token": "<partner token>"} '
            '(and "secret": "<whsec_…>" for a system that signs).'
        )
    webhook, _ = SandboxWebhook.objects.update_or_create(
        system=system, defaults={"secret": "", **spec}
    )
    return webhook


def webhook_clear(*, system: str) -> None:
    SandboxWebhook.objects.filter(system=system).delete()


# What an ERP user does, in the ERP's own status codes (see order-status-v1.json).
ERP_ACTIONS = {"acknowledge": "AK", "change": "AC", "reject": "RJ", "cancel": "CA"}


def erp_status_document(*, order_number: str, spec: dict) -> dict:
    """The status document the ERP sends for an action on one of its orders."""
    action = spec.get("action")
    if action not in ERP_ACTIONS:
        raise ValidationFailed(f"action must be one of {', '.join(ERP_ACTIONS)}.")
    document = {
        # The same event id is the same document: resending it is a repeat, not a new event.
        "document_id": str(spec.get("event_id") or f"ST-{uuid.uuid4().hex[:20]}"),
        "order_number": order_number,
        "status": ERP_ACTIONS[action],
    }
    if spec.get("reason"):
        document["reason"] = spec["reason"]
    if action == "change":
        document["lines"] = [_erp_line(line) for line in spec.get("lines", [])]
    return document


def _erp_line(line: dict) -> dict:
    answer = {"line": line.get("line")}
    if line.get("reject"):
        answer["status"] = "IR"
    elif "quantity" in line:
        answer.update(status="IQ", quantity=line["quantity"])
    else:
        answer["status"] = "IA"
    if line.get("reason"):
        answer["reason"] = line["reason"]
    return answer


def erp_status_send(*, document: dict) -> tuple[int, dict]:
    """POST the ERP's status document to the hub's webhook; returns the hub's answer.

    Outside any transaction: the hub may call back into the sandbox (the storefront) while
    this request waits for its answer.
    """
    webhook = SandboxWebhook.objects.filter(system="erp").first()
    if webhook is None:
        raise Conflict("The sandbox ERP has no hub webhook; POST /sandbox/erp/webhook/ first.")
    try:
        response = requests.post(
            webhook.url,
            json=document,
            headers={
                "Authorization": f"Token {webhook.token}",
                "Idempotency-Key": f"erp-status-{document['document_id']}",
            },
            timeout=15,
        )
    except requests.RequestException as exc:
        raise TransportError(f"The hub did not answer: {exc}", retryable=True) from exc
    try:
        return response.status_code, response.json()
    except ValueError:
        return response.status_code, {"raw": response.text[:2000]}


def storefront_order_record(*, key: str, order: dict, answer: dict) -> None:
    """The storefront keeps each order the hub accepted, with the hub's number and status."""
    _receipt_once(system="storefront", path="orders/", key=key, body=order, answer=answer)


def erp_status_record(*, document: dict) -> None:
    """The ERP's own copy of a status action, kept whether or not the hub hears of it."""
    _receipt_once(
        system="erp",
        path=f"orders/{document['order_number']}/status/",
        key=f"erp-status-{document['document_id']}",
        body=document,
    )
