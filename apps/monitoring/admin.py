"""Admin screens: alert rules (owner required), runbooks and their versions, schema changes."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from apps.core.admin import NeverDeletedAdmin
from apps.monitoring.forms import AlertRuleForm, RunbookVersionForm
from apps.monitoring.models import AlertRule, Runbook, RunbookVersion, SchemaChange
from apps.monitoring.runbooks import runbook_publish


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    form = AlertRuleForm
    list_display = [
        "flow",
        "kind",
        "threshold",
        "owner",
        "escalate_to",
        "escalate_after",
        "is_active",
    ]
    list_filter = ["kind", "flow", "owner", "is_active"]


class RunbookVersionInline(admin.TabularInline):
    model = RunbookVersion
    extra = 0
    fields = ["number", "note", "author", "created_at"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Runbook)
class RunbookAdmin(NeverDeletedAdmin):
    list_display = ["title", "flow", "current_version", "page"]
    inlines = [RunbookVersionInline]

    @admin.display(description="Version")
    def current_version(self, obj):
        current = obj.current()
        return current.number if current else "-"

    @admin.display(description="Page")
    def page(self, obj):
        url = reverse("monitoring:flow_runbook", args=[obj.flow.code])
        return format_html('<a href="{}">read</a>', url)


@admin.register(RunbookVersion)
class RunbookVersionAdmin(NeverDeletedAdmin):
    """Add-only: a new text is a new version, published through the runbook service."""

    form = RunbookVersionForm
    list_display = ["runbook", "number", "note", "author", "created_at"]
    list_filter = ["runbook"]

    def get_readonly_fields(self, request, obj=None):
        return list(RunbookVersionForm.Meta.fields) if obj else []

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        published = runbook_publish(
            flow=obj.runbook.flow,
            likely_cause=obj.likely_cause,
            recovery_steps=obj.recovery_steps,
            escalation=obj.escalation,
            commands=obj.commands,
            expected_after_success=obj.expected_after_success,
            expected_after_failure=obj.expected_after_failure,
            note=obj.note,
            actor=request.user,
        )
        obj.pk, obj.number = published.pk, published.number


@admin.register(SchemaChange)
class SchemaChangeAdmin(NeverDeletedAdmin):
    list_display = ["flow", "field", "from_version", "to_version", "status", "review"]
    list_filter = ["status", "flow"]
    readonly_fields = [f.name for f in SchemaChange._meta.fields]

    @admin.display(description="Review")
    def review(self, obj):
        return format_html('<a href="{}">review</a>', reverse("monitoring:change", args=[obj.pk]))

    def has_add_permission(self, request):
        return False
