from apps.core.errors import InvalidTransition, PermissionRefused


class DecisionRefused(PermissionRefused):
    """The person may not take this decision on this item (not its owner, not a second person)."""

    code = "decision_refused"


class DecisionUnavailable(InvalidTransition):
    """The decision is not offered on this item: another reason code, or not in its status."""

    code = "decision_unavailable"
