"""The second person's decisions on a corrected quarantine item, for every reason code.

They are registered here, not in quarantine, because approving runs the replay through the
pipeline (exchange), which sits above quarantine. OperationsConfig.ready() imports this module.
"""

from apps.exchange.services import replay_approve
from apps.quarantine.choices import Role
from apps.quarantine.decisions import EVERY_REASON, Decision, registry
from apps.quarantine.forms import NoteForm
from apps.quarantine.models import QuarantineItem, QuarantineStatus
from apps.quarantine.services import quarantine_refuse_replay


def _approve(*, item: QuarantineItem, actor, data: dict) -> str:
    item = replay_approve(item=item, actor=actor, note=data["note"])
    return f"Replay approved; the item is {item.get_status_display().lower()}."


def _refuse(*, item: QuarantineItem, actor, data: dict) -> str:
    quarantine_refuse_replay(item=item, actor=actor, note=data["note"])
    return "Correction sent back to its owner."


# Both share NoteForm, so the review screen shows them as one form: the note goes with either.
registry.register(
    Decision(
        name="approve",
        label="Approve replay",
        role=Role.APPROVER,
        form_class=NoteForm,
        take=_approve,
        on_status=QuarantineStatus.AWAITING_APPROVAL,
        groupable=True,
    ),
    reasons=[EVERY_REASON],
)
registry.register(
    Decision(
        name="refuse",
        label="Refuse and send back",
        role=Role.APPROVER,
        form_class=NoteForm,
        take=_refuse,
        on_status=QuarantineStatus.AWAITING_APPROVAL,
        groupable=True,
    ),
    reasons=[EVERY_REASON],
)
