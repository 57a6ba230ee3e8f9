"""Partner credentials in the admin: tokens and OAuth2 clients listed, rotated and revoked;
failures-page links issued and revoked; webhook endpoints and their secrets; the partner access
log, read-only."""

from django import forms
from django.contrib import admin, messages

from apps.api.credentials import (
    partner_client_revoke,
    partner_client_rotate,
    partner_token_revoke,
    partner_token_rotate,
    partner_webhook_configure,
    partner_webhook_rotate,
)
from apps.api.failure_links import (
    DEFAULT_DAYS,
    MAX_DAYS,
    failure_link_issue,
    failure_link_revoke,
)
from apps.api.models import FailureLink, PartnerAccess, PartnerClient, PartnerToken
from apps.core.errors import HubError
from apps.systems.models import PartnerWebhook, System

SHOWN_ONCE = "Copy it now: the hub keeps only a digest and cannot show it again."


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PartnerToken)
class PartnerTokenAdmin(ReadOnlyAdmin):
    list_display = ["system", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = list_display
    fields = list_display
    list_filter = ["system", ("revoked_at", admin.EmptyFieldListFilter)]
    actions = ["revoke", "rotate"]

    @admin.action(description="Revoke the selected tokens (they stop working now)")
    def revoke(self, request, queryset):
        for token in queryset:
            partner_token_revoke(token=token)
        self.message_user(request, f"Revoked {queryset.count()} token(s).")

    @admin.action(description="Rotate: revoke and issue each partner a new token")
    def rotate(self, request, queryset):
        for token in queryset.select_related("system"):
            key = partner_token_rotate(token=token)
            self.message_user(
                request,
                f"New token for {token.system.code}: {key} ({SHOWN_ONCE})",
                messages.WARNING,
            )

    def has_change_permission(self, request, obj=None):
        # Actions need the change permission; the form itself shows no editable field.
        return request.user.has_perm("api.change_partnertoken")


@admin.register(PartnerClient)
class PartnerClientAdmin(ReadOnlyAdmin):
    list_display = ["system", "client_id", "scopes", "created_at", "last_rotated_at", "revoked_at"]
    list_filter = ["system", ("revoked_at", admin.EmptyFieldListFilter)]
    readonly_fields = ["system", "client_id", "scopes", "last_rotated_at", "revoked_at"]
    fields = readonly_fields
    actions = ["rotate", "revoke"]

    @admin.action(description="Rotate the secret (old secret and its tokens stop working)")
    def rotate(self, request, queryset):
        for client in queryset.select_related("application"):
            try:
                issued = partner_client_rotate(client=client)
            except HubError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                continue
            self.message_user(
                request,
                f"New secret for client {issued.client_id}: {issued.client_secret} ({SHOWN_ONCE})",
                messages.WARNING,
            )

    @admin.action(description="Revoke the selected clients and every token they hold")
    def revoke(self, request, queryset):
        for client in queryset.select_related("application"):
            partner_client_revoke(client=client)
        self.message_user(request, f"Revoked {queryset.count()} client(s).")

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("api.change_partnerclient")


class FailureLinkForm(forms.ModelForm):
    days = forms.IntegerField(
        min_value=1, max_value=MAX_DAYS, initial=DEFAULT_DAYS, help_text="How long it works."
    )

    class Meta:
        model = FailureLink
        fields = ["system", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "system" in self.fields:
            self.fields["system"].queryset = System.objects.filter(is_active=True)


@admin.register(FailureLink)
class FailureLinkAdmin(admin.ModelAdmin):
    """Add one to give a person at a partner its failures page in a browser."""

    form = FailureLinkForm
    list_display = [
        "system",
        "prefix",
        "note",
        "issued_by",
        "created_at",
        "expires_at",
        "revoked_at",
    ]
    list_filter = ["system", ("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["system", "issued_by"]
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        return ["system", "note", "days"] if obj is None else self.list_display

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.list_display

    def save_model(self, request, obj, form, change):
        if change:
            return  # an issued link changes only by being revoked
        link, path = failure_link_issue(
            system=obj.system,
            issued_by=request.user,
            days=form.cleaned_data["days"],
            note=obj.note,
        )
        obj.pk = link.pk
        self.message_user(
            request,
            f"Link for {link.system.code} until {link.expires_at:%Y-%m-%d %H:%M} UTC: "
            f"{request.build_absolute_uri(path)} ({SHOWN_ONCE})",
            messages.WARNING,
        )

    @admin.action(description="Revoke the selected links (they stop working now)")
    def revoke(self, request, queryset):
        for link in queryset:
            failure_link_revoke(link=link)
        self.message_user(request, f"Revoked {queryset.count()} link(s).")

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the access log names the link by its prefix


@admin.register(PartnerAccess)
class PartnerAccessAdmin(ReadOnlyAdmin):
    list_display = ["at", "system", "credential", "method", "path", "query", "status"]
    list_filter = ["system", "method", "status", "route"]
    search_fields = ["path", "credential"]
    date_hierarchy = "at"
    list_select_related = ["system"]

    def has_view_permission(self, request, obj=None):
        return request.user.is_staff and request.user.has_perm("api.view_partneraccess")


@admin.register(PartnerWebhook)
class PartnerWebhookAdmin(admin.ModelAdmin):
    list_display = ["system", "url", "is_active", "previous_secret_until", "events_seen_until"]
    list_filter = ["is_active"]
    fields = ["system", "url", "is_active", "previous_secret_until", "events_seen_until"]
    readonly_fields = ["previous_secret_until", "events_seen_until"]
    actions = ["rotate"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "system"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        hook, secret = partner_webhook_configure(system=obj.system, url=obj.url)
        obj.pk = hook.pk
        self.message_user(
            request,
            f"Signing secret for {hook.system.code}: {secret} (give it to the partner; "
            "it is stored encrypted and shown only now).",
            messages.WARNING,
        )

    @admin.action(description="Rotate the signing secret (the old one signs too for a day)")
    def rotate(self, request, queryset):
        for hook in queryset.select_related("system"):
            secret = partner_webhook_rotate(hook=hook)
            self.message_user(
                request, f"New signing secret for {hook.system.code}: {secret}", messages.WARNING
            )

    def has_delete_permission(self, request, obj=None):
        # Untick "active" instead: the delivery log names the endpoint's partner.
        return False
