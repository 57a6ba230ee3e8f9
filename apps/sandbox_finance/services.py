"""The sandbox gateway clears captures and refunds and posts each to the ERP's ledger.

The posting path obeys injected faults (drop, delay, double), which is how the tests and the
demo make the two systems disagree for the settlement reconciliation to find.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.core.errors import ValidationFailed
from apps.sandbox_finance.models import (
    GatewayTransaction,
    LedgerPosting,
    PostingFault,
    PostingFaultAction,
    TransactionKind,
)

FAULT_FIELDS = {"action", "kind", "count", "delay_seconds"}
MAX_PAGE = 1000


def posting_fault_set(*, spec: dict) -> PostingFault:
    """Add a fault to the ledger's posting feed (faults apply oldest first)."""
    unknown = set(spec) - FAULT_FIELDS
    if unknown:
        raise ValidationFailed(f"Unknown fault fields: {', '.join(sorted(unknown))}.")
    if spec.get("action") not in PostingFaultAction.values:
        raise ValidationFailed(f"action is one of {', '.join(PostingFaultAction.values)}.")
    if spec.get("kind", "") not in ("", *TransactionKind.values):
        raise ValidationFailed(f"kind is one of {', '.join(TransactionKind.values)}.")
    for name in ("count", "delay_seconds"):
        value = spec.get(name)
        if value is not None and not (isinstance(value, int) and value > 0):
            raise ValidationFailed(f"{name} is a whole number, at least 1.")
    return PostingFault.objects.create(**spec)


def posting_faults_clear() -> None:
    PostingFault.objects.all().delete()


@transaction.atomic
def _fault_take(kind: str) -> PostingFault | None:
    fault = (
        PostingFault.objects.select_for_update()
        .filter(Q(kind="") | Q(kind=kind))
        .filter(Q(count__isnull=True) | Q(count__gt=0))
        .order_by("id")
        .first()
    )
    if fault is not None and fault.count is not None:
        PostingFault.objects.filter(pk=fault.pk).update(count=F("count") - 1)
    return fault


def _amount(value) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError) as exc:
        raise ValidationFailed("amount is a decimal number.") from exc
    if amount <= 0:
        raise ValidationFailed("amount must be above zero.")
    return amount


@transaction.atomic
def gateway_transaction_clear(*, kind: str, spec: dict) -> GatewayTransaction:
    """A capture or refund clears the gateway, and its settlement posts to the ledger."""
    if not spec.get("order"):
        raise ValidationFailed("order is the hub's order number.")
    tx = GatewayTransaction.objects.create(
        reference="",
        kind=kind,
        order_number=str(spec["order"]),
        amount=_amount(spec.get("amount")),
        currency=str(spec.get("currency") or "USD")[:3],
    )
    # A gap-free, sortable reference from the row id, as a gateway's own numbering would be.
    tx.reference = f"TX-{tx.pk:08d}"
    tx.save(update_fields=["reference"])
    _ledger_post(tx)
    return tx


def _ledger_post(tx: GatewayTransaction) -> None:
    fault = _fault_take(tx.kind)
    action = fault.action if fault else None
    if action == PostingFaultAction.DROP:
        return
    visible_at = timezone.now()
    if action == PostingFaultAction.DELAY:
        visible_at += timedelta(seconds=fault.delay_seconds)
    copies = 2 if action == PostingFaultAction.DOUBLE else 1
    LedgerPosting.objects.bulk_create(
        LedgerPosting(
            transaction_reference=tx.reference,
            kind=tx.kind,
            order_number=tx.order_number,
            amount=tx.amount,
            currency=tx.currency,
            visible_at=visible_at,
        )
        for _ in range(copies)
    )


def ledger_delayed_release() -> int:
    """Let every delayed posting arrive now (the delay has passed); returns how many."""
    return LedgerPosting.objects.filter(visible_at__gt=timezone.now()).update(
        visible_at=timezone.now()
    )


def gateway_transactions_page(*, after: str, limit: int) -> list[dict]:
    """Transactions in reference order after the cursor `after`."""
    rows = GatewayTransaction.objects.filter(reference__gt=after).order_by("reference")
    return [_transaction(tx) for tx in rows[: min(limit, MAX_PAGE)]]


def _transaction(tx) -> dict:
    return {
        "reference": tx.reference,
        "kind": tx.kind,
        "order": tx.order_number,
        "amount": str(tx.amount),
        "currency": tx.currency,
        "cleared_at": tx.created_at.isoformat(),
    }


def ledger_postings_page(*, after: str, limit: int) -> list[dict]:
    """Visible postings in (transaction reference, id) order after the cursor `ref|id`."""
    reference, _, last_id = after.partition("|")
    rows = LedgerPosting.objects.filter(visible_at__lte=timezone.now())
    if after:
        rows = rows.filter(
            Q(transaction_reference__gt=reference)
            | Q(transaction_reference=reference, id__gt=int(last_id or 0))
        )
    rows = rows.order_by("transaction_reference", "id")[: min(limit, MAX_PAGE)]
    return [
        {
            "cursor": f"{p.transaction_reference}|{p.pk}",
            "posting": p.pk,
            "transaction": p.transaction_reference,
            "kind": p.kind,
            "order": p.order_number,
            "amount": str(p.amount),
            "currency": p.currency,
        }
        for p in rows
    ]
