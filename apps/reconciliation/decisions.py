"""What an owner may decide on a reconciliation mismatch in the quarantine queue.

A mismatch has nothing to replay: the owner fixes the record in the system that is wrong
and asks for a re-check (the item closes when the systems agree), or accepts the difference.
"""

from __future__ import annotations

from django.db import transaction

from apps.quarantine.choices import ReasonCode, Role
from apps.quarantine.decisions import Decision, registry
from apps.quarantine.forms import DiscardForm, NoteForm
from apps.quarantine.models import QuarantineItem
from apps.quarantine.reasons import ReasonSpec, reason_register
from apps.quarantine.services import quarantine_discard
from apps.reconciliation.choices import Trigger
from apps.reconciliation.tasks import reconciliation_run_task

REASON = ReasonCode.RECONCILIATION_MISMATCH


def _recheck(*, item: QuarantineItem, actor, data: dict) -> str:
    name = item.payload["reconciliation"]
    transaction.on_commit(
        lambda: reconciliation_run_task.delay(
            name=name, trigger=Trigger.DECISION, actor_id=actor.pk
        )
    )
    return f"The {name} reconciliation runs again; the item closes when the systems agree."


def _accept(*, item: QuarantineItem, actor, data: dict) -> str:
    quarantine_discard(item=item, actor=actor, note=data["note"])
    return "Difference accepted; later runs will not reopen it."


reason_register(
    ReasonSpec(
        REASON,
        "Two systems disagree (reconciliation)",
        # One group per reconciliation, pair of systems and kind (see quarantine.py).
        lambda p: f"{p.get('mismatch') or p.get('field') or p.get('code')}",
    )
)
registry.register_columns([("field", "Field or kind"), ("code", "Kind")], reasons=[REASON])
registry.register(
    Decision(
        name="recheck",
        label="Fixed at the source: re-check now",
        role=Role.OWNER,
        form_class=NoteForm,
        take=_recheck,
    ),
    reasons=[REASON],
)
registry.register(
    Decision(
        name="accept_difference",
        label="Accept the difference: close without change",
        role=Role.OWNER,
        form_class=DiscardForm,
        take=_accept,
    ),
    reasons=[REASON],
)
