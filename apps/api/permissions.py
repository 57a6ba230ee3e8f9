from rest_framework.permissions import BasePermission

from apps.api.authentication import PartnerPrincipal


class IsPartner(BasePermission):
    def has_permission(self, request, view):
        return isinstance(request.user, PartnerPrincipal)


class HasScope(BasePermission):
    """The caller's credential holds the scope the view names for this method.

    A view with `required_scopes` refuses a method it names no scope for. Every partner route
    names its scopes (tests/api/test_scopes.py walks the URL map to keep it so).
    """

    code = "insufficient_scope"
    message = "Your credential lacks the scope this request needs."

    def has_permission(self, request, view):
        if not hasattr(view, "required_scopes"):
            return True
        if not hasattr(view, request.method.lower()):
            return True  # no such operation: DRF answers 405, as before scopes
        needed = scope_needed(view, request.method)
        if needed is None:
            return False
        self.message = f"Your credential lacks the {needed!r} scope this request needs."
        return needed in getattr(request.user, "scopes", ())


def scope_needed(view, method: str) -> str | None:
    """The scope `view` asks for `method` (HEAD and OPTIONS as GET), or None."""
    scopes = getattr(view, "required_scopes", {})
    if method in ("HEAD", "OPTIONS"):
        method = "GET"
    return scopes.get(method)
