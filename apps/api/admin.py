"""Partner credentials in the admin: tokens and OAuth2 clients listed, rotated and revoked;
webhook endpoints and their secrets; the partner access log, read-only."""

from django.contrib import admin, messages

from apps.api.credentials import (
    partner_client_revoke,
    partner_client_rotate,
    partner_token_revoke,
    partner_token_rotate,
    partner_webhook_configure,
    partner_webhook_rotate,
)
from apps.api.models import PartnerAccess, PartnerClient, PartnerToken
from apps.core.errors import HubError
from apps.systems.models import PartnerWebhook

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
