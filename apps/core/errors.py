"""The hub's one exception tree: every failure carries a code, a message and an HTTP status."""

from __future__ import annotations


class HubError(Exception):
    """Root of every error a service raises on purpose."""

    code = "hub_error"
    status = 400

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        fields: dict | None = None,
        retry_after: int | None = None,
    ):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}
        # Seconds after which the same request may succeed (sent as Retry-After).
        self.retry_after = retry_after


class ValidationFailed(HubError):
    """The input is malformed or breaks a rule; resending it unchanged cannot help."""

    code = "validation_failed"
    status = 400


class NotFound(HubError):
    code = "not_found"
    status = 404


class Conflict(HubError):
    code = "conflict"
    status = 409


class PermissionRefused(HubError):
    code = "permission_denied"
    status = 403


class DeletionRefused(PermissionRefused):
    """A row the audit trail stands on was asked to be deleted; nobody may, superusers too."""

    code = "deletion_refused"


class InvalidTransition(Conflict):
    """A state change was asked of a record that is not in a state that allows it."""

    code = "invalid_transition"


class TransportError(HubError):
    """A call to an outside system failed; `retryable` says whether trying again can help."""

    code = "transport_error"
    status = 502

    def __init__(self, message: str, *, retryable: bool, status_code: int | None = None, **kw):
        super().__init__(message, **kw)
        self.retryable = retryable
        self.status_code = status_code
