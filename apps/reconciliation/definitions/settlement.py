"""Settlement: captures and refunds that cleared the payment gateway against the ERP's ledger.

The ledger exports one row per posting in transaction order; postings of one transaction are
folded into one record, so a doubled posting shows as two postings and twice the amount.
"""

from __future__ import annotations

from decimal import Decimal

from apps.connectors.rest.pages import get_pages
from apps.reconciliation.engine import MISSING_LEFT, MISSING_RIGHT, Difference, Field
from apps.reconciliation.registry import (
    Assessment,
    Comparison,
    Reconciliation,
    RunContext,
    registry,
)
from apps.reconciliation.sources import before, grouped, money, number, system_rows
from apps.systems.models import System

FIELDS = (Field("postings"), Field("amount"), Field("kind"), Field("currency"))
# The matrix rows whose business owner answers for each kind of money movement.
ENTITY = {"capture": "payment", "refund": "refund"}


def _record(row: dict) -> dict:
    return {
        "kind": row["kind"],
        "order": row["order"],
        "amount": money(row["amount"]),
        "currency": row["currency"],
        "postings": 1,
    }


def gateway_transactions(context: RunContext):
    return system_rows(
        system_code="gateway",
        path="transactions/",
        key="reference",
        record=_record,
        keep=before(context.cutoff, "cleared_at"),
    )


def _fold(postings: list[dict]) -> dict:
    first = postings[0]
    return {
        **_record(first),
        "amount": money(sum(number(p["amount"]) for p in postings)),
        "postings": len(postings),
    }


def ledger_postings(context: RunContext):
    erp = System.objects.get(code="erp")
    rows = get_pages(system=erp, path="ledger/postings/")
    return grouped(rows, key="transaction", fold=_fold)


def assess(d: Difference) -> Assessment:
    record = d.left or d.right
    amount = Decimal(record["amount"])
    what = f"{record['kind']} {d.key} of {record['amount']} {record['currency']}"
    common = {
        "entity": ENTITY.get(record["kind"], "payment"),
        "field": "amount",
        "subject_type": "order",
        "subject_key": record["order"],
    }
    if d.kind == MISSING_RIGHT:
        return Assessment(
            kind=f"{record['kind']}_not_posted",
            effect=f"The {what} cleared the gateway but never posted to the ledger: "
            "the books are off by that amount.",
            action="Post it in the ERP ledger (or find the delayed posting) and note the "
            "gateway reference.",
            value_at_stake=amount,
            **common,
        )
    if d.kind == MISSING_LEFT:
        return Assessment(
            kind="posting_without_payment",
            effect=f"The ledger holds a {what} the gateway never cleared.",
            action="Reverse the posting unless the gateway shows the money under another "
            "reference.",
            value_at_stake=amount,
            **common,
        )
    if "postings" in d.fields:
        extra = Decimal(d.right["amount"]) - Decimal(d.left["amount"])
        return Assessment(
            kind="posted_twice",
            effect=f"The {what} posted {d.right['postings']} times: the ledger shows "
            f"{d.right['amount']}.",
            action="Reverse the duplicate posting in the ERP ledger.",
            value_at_stake=abs(extra),
            **common,
        )
    return Assessment(
        kind="amount_mismatch",
        effect=f"The {what} posted with {', '.join(d.fields)} different: ledger "
        f"{d.right['amount']} {d.right['currency']}.",
        action="Correct the posting in the ERP ledger to the gateway's amount.",
        value_at_stake=abs(amount - Decimal(d.right["amount"])),
        **common,
    )


registry.register(
    Reconciliation(
        name="settlement",
        title="Settlement: gateway captures and refunds against the ERP ledger",
        flow_code="returns-refunds",
        comparisons=(
            Comparison(
                name="gateway-ledger",
                left="gateway",
                right="ledger",
                fields=FIELDS,
                left_rows=gateway_transactions,
                right_rows=ledger_postings,
                assess=assess,
            ),
        ),
    )
)
