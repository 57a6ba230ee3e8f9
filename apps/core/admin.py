"""Admin pieces every app shares: deactivating instead of deleting, and staff logins."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User

from apps.core.activation import REASON_MAX_LENGTH
from apps.core.errors import HubError


class ReasonActionForm(ActionForm):
    """The changelist's action bar with a reason box, kept in the history of each row."""

    reason = forms.CharField(
        required=False,
        label="Reason",
        widget=forms.TextInput(attrs={"size": 40, "maxlength": REASON_MAX_LENGTH}),
    )


class NeverDeletedAdmin(admin.ModelAdmin):
    """No delete button and no bulk delete for anyone, superusers included.

    Django grants superusers every model permission, so only this override hides deletion;
    the models refuse it as well (core.models.NeverDeleted).
    """

    def has_delete_permission(self, request, obj=None):
        return False


class DeactivateNotDeleteAdmin(NeverDeletedAdmin):
    """Rows the audit trail refers to: nobody deletes them; they are deactivated with a reason.

    Subclasses say how through `deactivate_one` and `reactivate_one`, which call services.
    """

    action_form = ReasonActionForm
    actions = ["deactivate", "reactivate"]

    def save_model(self, request, obj, form, change):
        if change:
            # A simple-history revert saves every field of the old version; the flag moves
            # only through the actions, which ask for a reason.
            obj.is_active = type(obj).objects.values_list("is_active", flat=True).get(pk=obj.pk)
        super().save_model(request, obj, form, change)

    def deactivate_one(self, obj, *, actor, reason: str):
        raise NotImplementedError

    def reactivate_one(self, obj, *, actor, reason: str):
        raise NotImplementedError

    @admin.action(description="Deactivate selected (reason required)", permissions=["change"])
    def deactivate(self, request, queryset):
        self._each(request, queryset, self.deactivate_one, "deactivated")

    @admin.action(description="Reactivate selected (reason required)", permissions=["change"])
    def reactivate(self, request, queryset):
        self._each(request, queryset, self.reactivate_one, "reactivated")

    def _each(self, request, queryset, change, done: str) -> None:
        reason = request.POST.get("reason", "")
        changed = []
        for obj in queryset:
            try:
                change(obj, actor=request.user, reason=reason)
            except HubError as refused:
                # One message per refused row: a bulk action never fails silently.
                self.message_user(request, f"{obj}: {refused.message}", messages.ERROR)
            else:
                changed.append(str(obj))
        if changed:
            self.message_user(request, f"{done.capitalize()}: {', '.join(changed)}.")


admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(NeverDeletedAdmin, UserAdmin):
    """Logins are deactivated (untick Active), never deleted, superusers' included.

    History rows and trace events name their person through a SET_NULL key: deleting a user
    would silently turn "who did this" into nobody across the whole audit trail.
    """
