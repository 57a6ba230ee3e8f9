"""Reads of runs and mismatches shared by the admin report, the exports and the command."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.reconciliation.choices import RunStatus
from apps.reconciliation.models import Mismatch, ReconciliationRun

TREND_RUNS = 20


def run_summary(run: ReconciliationRun) -> str:
    """The command's one line: totals, mismatches per kind, value at stake, queue changes."""
    if run.status == RunStatus.FAILED:
        return f"reconcile {run.name} run {run.pk}: failed: {run.error}"
    kinds = " ".join(f"{kind}={n}" for kind, n in sorted(run.counts.items())) or "none"
    return (
        f"reconcile {run.name} run {run.pk}: {run.status} left={run.left_count} "
        f"right={run.right_count} matched={run.matched_count} mismatches={run.mismatch_count} "
        f"[{kinds}] value_at_stake={run.value_at_stake} opened={run.opened_items} "
        f"resolved={run.resolved_count} closed={run.closed_items}"
    )


def run_mismatches(
    run: ReconciliationRun, *, kind: str = "", owner: str = "", resolved: str = ""
) -> QuerySet[Mismatch]:
    """A run's mismatches, filtered by kind, owner id and resolved ("yes"/"no")."""
    rows = run.mismatches.select_related("owner", "quarantine_item").order_by(
        "comparison", "kind", "key"
    )
    if kind:
        rows = rows.filter(kind=kind)
    if owner:
        rows = rows.filter(owner_id=owner)
    if resolved in ("yes", "no"):
        rows = rows.filter(resolved_at__isnull=resolved == "no")
    return rows


def run_filter_choices(run: ReconciliationRun) -> dict:
    kinds = run.mismatches.order_by("kind").values_list("kind", flat=True).distinct()
    owners = (
        run.mismatches.filter(owner__isnull=False)
        .order_by("owner__name")
        .values_list("owner_id", "owner__name")
        .distinct()
    )
    return {"kinds": list(kinds), "owners": list(owners)}


def runs_trend(name: str, *, last: int = TREND_RUNS) -> list[ReconciliationRun]:
    """The last finished runs of a reconciliation, oldest first, for the trend chart."""
    runs = ReconciliationRun.objects.filter(name=name).exclude(status=RunStatus.RUNNING)
    return list(reversed(runs.order_by("-created_at", "-id")[:last]))
