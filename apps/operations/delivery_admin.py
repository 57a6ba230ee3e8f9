"""Admin screens of the outbox: deliveries (retry now, hold) and range replay requests."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm

from apps.core.admin import NeverDeletedAdmin
from apps.core.errors import HubError
from apps.exchange.models import Delivery, ReplayRequest, ReplayStatus
from apps.exchange.services import (
    delivery_hold,
    delivery_retry_now,
    replay_range_approve,
    replay_range_refuse,
    replay_range_request,
)


class DeliveryActionForm(ActionForm):
    reason = forms.CharField(required=False, help_text="Why, for a hold (kept on the trace).")


def _each(modeladmin, request, rows, act, done: str) -> None:
    succeeded = 0
    for row in rows:
        try:
            act(row)
        except HubError as exc:
            modeladmin.message_user(request, f"{row}: {exc.message}", messages.ERROR)
        else:
            succeeded += 1
    if succeeded:
        modeladmin.message_user(request, f"{succeeded} {done}.", messages.SUCCESS)


@admin.register(Delivery)
class DeliveryAdmin(NeverDeletedAdmin):
    list_display = [
        "pk",
        "subject_type",
        "subject_key",
        "target_system",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
    ]
    list_filter = ["status", "target_system", "flow"]
    search_fields = ["subject_key", "idempotency_key"]
    action_form = DeliveryActionForm
    actions = ["retry_now", "hold"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Retry now (waiting or held deliveries)")
    def retry_now(self, request, queryset):
        _each(
            self,
            request,
            queryset,
            lambda row: delivery_retry_now(delivery=row, actor=request.user),
            "queued for an attempt now",
        )

    @admin.action(description="Hold (give the reason in the box)")
    def hold(self, request, queryset):
        reason = request.POST.get("reason", "")
        _each(
            self,
            request,
            queryset,
            lambda row: delivery_hold(delivery=row, actor=request.user, reason=reason),
            "held",
        )


class ReplayRequestForm(forms.ModelForm):
    class Meta:
        model = ReplayRequest
        fields = ["flow", "since", "until", "reason"]


@admin.register(ReplayRequest)
class ReplayRequestAdmin(NeverDeletedAdmin):
    """Ask to send a flow's deliveries of a time range again; a second person decides."""

    form = ReplayRequestForm
    list_display = ["pk", "flow", "since", "until", "status", "requested_by", "decided_by"]
    list_filter = ["status", "flow"]
    actions = ["approve", "refuse"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        created = replay_range_request(
            flow=data["flow"],
            since=data["since"],
            until=data["until"],
            actor=request.user,
            reason=data["reason"],
        )
        obj.pk = created.pk

    @admin.action(description="Approve (a second person): send the range again")
    def approve(self, request, queryset):
        _each(
            self,
            request,
            queryset.filter(status=ReplayStatus.REQUESTED),
            lambda row: replay_range_approve(request=row, actor=request.user),
            "replay request(s) approved and queued",
        )

    @admin.action(description="Refuse (a second person)")
    def refuse(self, request, queryset):
        _each(
            self,
            request,
            queryset.filter(status=ReplayStatus.REQUESTED),
            lambda row: replay_range_refuse(request=row, actor=request.user),
            "replay request(s) refused",
        )
