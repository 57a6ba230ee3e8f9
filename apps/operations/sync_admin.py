"""Admin screen of batch sync runs: what each run did, how far it got, how long it took."""

from django.contrib import admin

from apps.core.admin import NeverDeletedAdmin
from apps.exchange.models import SyncRun


@admin.register(SyncRun)
class SyncRunAdmin(NeverDeletedAdmin):
    list_display = [
        "pk",
        "flow",
        "mode",
        "status",
        "progress",
        "fetched",
        "applied",
        "unchanged",
        "quarantined",
        "pushed",
        "duration",
        "started_at",
        "trigger",
    ]
    list_filter = ["flow", "status", "mode"]
    date_hierarchy = "started_at"
    readonly_fields = [f.name for f in SyncRun._meta.fields] + ["progress", "duration"]
    list_select_related = ["flow"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # Runs are records of what happened (view only); a run resumes by running the sync.
        return False

    @admin.display(description="Progress")
    def progress(self, run: SyncRun) -> str:
        share = f" ({100 * run.fetched / run.expected:.0f}%)" if run.expected else ""
        expected = run.expected if run.expected is not None else "?"
        return f"{run.pages} pages, {run.fetched} of {expected}{share}"

    @admin.display(description="Duration")
    def duration(self, run: SyncRun) -> str:
        seconds = run.seconds
        return "" if seconds is None else f"{seconds:.1f} s"
