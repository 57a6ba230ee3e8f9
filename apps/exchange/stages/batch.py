"""The batch stage: a flow's pull from its source as one `SyncRun`, a page at a time, resumable.

A batch flow's handler subclasses `BatchHandler` and supplies four steps; this stage runs
them and knows no flow:

    fetch(run, cursor, since) -> Page        network, outside any transaction
    prepare(run, records)     -> Prepared    validate and map; reads only (bulk selectors)
    write(run, good)          -> Written     bulk upsert with history, one query per table
    push(run, changed)        -> int         outbox rows for the targets (sent after commit)

Records `prepare` refuses come back as `Rejected` and this stage opens quarantine items for
them, for the flow's owner. Everything a page does and the run's cursor commit together, so
a run stopped half-way (worker killed, source down) resumes on its next start from the first
page not yet applied, and never applies a page twice. A delta run asks for what changed since
the start of the flow's last successful run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import ClassVar

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.core.errors import Conflict, HubError, ValidationFailed
from apps.exchange.handlers import FlowHandler, handled_flows, handler_for
from apps.exchange.models import SyncMode, SyncRun, SyncStatus
from apps.flows.models import Flow
from apps.quarantine.services import quarantine_open_records

# A running run whose heartbeat is older than this belongs to a worker that died: it may be
# taken over. Well above the slowest page, so a live run is never taken from its worker.
STALE_AFTER = timedelta(minutes=10)
UNFINISHED = [SyncStatus.RUNNING, SyncStatus.FAILED, SyncStatus.INTERRUPTED]


@dataclass
class Page:
    """One page from the source: its records, the token of the next page ("" after the last)."""

    records: list[dict]
    next_cursor: str
    expected: int | None = None  # the source's total for this run, when it says


@dataclass
class Rejected:
    """A record `prepare` refused, with the reason a person reads in the quarantine queue."""

    subject_key: str
    reason_code: str
    message: str
    problems: list[dict]
    payload: dict


@dataclass
class Prepared:
    """A page checked and mapped: records to write, records refused, records already as sent."""

    good: list = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    unchanged: int = 0


@dataclass
class Written:
    """What `write` changed (handed to `push`) and how many records were already as sent."""

    changed: list = field(default_factory=list)
    unchanged: int = 0


class BatchHandler(FlowHandler):
    """The capability of a flow that runs as batch pulls (`python manage.py sync <name>`)."""

    # The word the sync command and the beat task name this flow by ("catalog", "prices").
    batch_name: ClassVar[str]
    batch_modes: ClassVar[tuple[str, ...]] = (SyncMode.FULL, SyncMode.DELTA)

    def fetch(self, *, run: SyncRun, cursor: str, since: datetime | None) -> Page:
        raise NotImplementedError

    def prepare(self, *, run: SyncRun, records: list[dict]) -> Prepared:
        raise NotImplementedError

    def write(self, *, run: SyncRun, good: list) -> Written:
        raise NotImplementedError

    def push(self, *, run: SyncRun, changed: list) -> int:
        """Queue what changed for the flow's targets; how many records were queued."""
        return 0

    def finish(self, *, run: SyncRun) -> None:
        """Called once the last page is applied (a snapshot may, say, retire what it missed)."""


class SyncBusy(Conflict):
    code = "sync_busy"


class SyncUnknown(ValidationFailed):
    code = "sync_unknown"


def batch_handler_for(name: str) -> BatchHandler:
    """The batch handler a sync is named by ("catalog"), or SyncUnknown listing the names."""
    found = batch_handlers()
    if name not in found:
        names = ", ".join(sorted(found)) or "none"
        raise SyncUnknown(f"No batch flow {name!r}; the batch flows are: {names}.")
    return found[name]


def batch_handlers() -> dict[str, BatchHandler]:
    handlers = (handler_for(code) for code in handled_flows())
    return {h.batch_name: h for h in handlers if isinstance(h, BatchHandler)}


Progress = Callable[[SyncRun], None]


def sync_run(
    *, name: str, mode: str | None = None, trigger: str, progress: Progress | None = None
) -> SyncRun:
    """Start (or resume) the named flow's sync and run it to the end; returns the run.

    An unfinished run of the flow is resumed from its cursor (when `mode` is not given or
    matches it); otherwise a new run starts: `mode`, or delta once a run has succeeded.
    Raises the source's TransportError after recording the run as failed.
    """
    handler = batch_handler_for(name)
    flow = Flow.objects.get(code=handler.flow_code)
    run = _claim(flow, handler, mode, trigger)
    return sync_run_pages(run=run, handler=handler, progress=progress)


def sync_run_pages(*, run: SyncRun, handler: BatchHandler, progress: Progress | None) -> SyncRun:
    """Apply the run's pages from its cursor to the last; the run's status says how it ended."""
    try:
        while True:
            page = handler.fetch(run=run, cursor=run.cursor, since=run.since)
            _apply_page(run, handler, page)
            if progress is not None:
                progress(run)
            if not page.next_cursor:
                break
        handler.finish(run=run)
    except HubError as exc:
        _stop(run, SyncStatus.FAILED, exc.message)
        raise
    except BaseException as exc:
        # Killed or stopped (Ctrl-C, SIGTERM, a bug): the cursor stands; the next start resumes.
        _stop(run, SyncStatus.INTERRUPTED, f"{type(exc).__name__}: {exc}"[:2000])
        raise
    _stop(run, SyncStatus.SUCCEEDED, "")
    return run


def _apply_page(run: SyncRun, handler: BatchHandler, page: Page) -> None:
    with transaction.atomic():
        prepared = handler.prepare(run=run, records=page.records)
        written = handler.write(run=run, good=prepared.good)
        held = _quarantine(run, handler, prepared.rejected)
        pushed = handler.push(run=run, changed=written.changed) if written.changed else 0
        counts = {
            "pages": 1,
            "fetched": len(page.records),
            "applied": len(written.changed),
            "unchanged": prepared.unchanged + written.unchanged,
            "quarantined": held,
            "pushed": pushed,
        }
        _advance(run, page, counts)


def _advance(run: SyncRun, page: Page, counts: dict) -> None:
    now = timezone.now()
    # Sources often say their total on the first page only.
    expected = run.expected if page.expected is None else page.expected
    changes = {name: F(name) + value for name, value in counts.items()}
    # Only the worker that holds the run moves its cursor; a run taken over (stale heartbeat)
    # by another worker makes this page roll back instead of applying twice.
    moved = SyncRun.objects.filter(
        pk=run.pk, status=SyncStatus.RUNNING, cursor=run.cursor, heartbeat_at=run.heartbeat_at
    ).update(cursor=page.next_cursor, heartbeat_at=now, expected=expected, **changes)
    if not moved:
        raise SyncBusy(f"Sync run {run.pk} was taken over by another worker.")
    run.cursor, run.heartbeat_at, run.expected = page.next_cursor, now, expected
    for name, value in counts.items():
        setattr(run, name, getattr(run, name) + value)


def _quarantine(run: SyncRun, handler: BatchHandler, rejected: list[Rejected]) -> int:
    if rejected:
        quarantine_open_records(
            flow=run.flow,
            owner=run.flow.owner,
            items=[{"subject_type": handler.subject_type, **vars(r)} for r in rejected],
        )
    return len(rejected)


def _stop(run: SyncRun, status: str, error: str) -> None:
    now = timezone.now()
    SyncRun.objects.filter(pk=run.pk, heartbeat_at=run.heartbeat_at).update(
        status=status, error=error, finished_at=now, heartbeat_at=now
    )
    run.status, run.error, run.finished_at, run.heartbeat_at = status, error, now, now


@transaction.atomic
def _claim(flow: Flow, handler: BatchHandler, mode: str | None, trigger: str) -> SyncRun:
    if mode is not None and mode not in handler.batch_modes:
        modes = ", ".join(handler.batch_modes)
        raise SyncUnknown(f"The {handler.batch_name} sync runs as {modes}, not {mode}.")
    Flow.objects.select_for_update().get(pk=flow.pk)  # one claimer per flow at a time
    now = timezone.now()
    unfinished = SyncRun.objects.filter(flow=flow, status__in=UNFINISHED).first()
    if unfinished is not None:
        if unfinished.status == SyncStatus.RUNNING and unfinished.heartbeat_at > now - STALE_AFTER:
            raise SyncBusy(f"Sync run {unfinished.pk} of {flow.code} is running right now.")
        if mode is None or mode == unfinished.mode:
            return _resume(unfinished, trigger, now)
        # Asked for another mode: the unfinished run is given up, not resumed.
        _stop(unfinished, SyncStatus.INTERRUPTED, f"Superseded by a {mode} run.")
    return _new_run(flow, handler, mode, trigger, now)


def _resume(run: SyncRun, trigger: str, now: datetime) -> SyncRun:
    SyncRun.objects.filter(pk=run.pk).update(
        status=SyncStatus.RUNNING, heartbeat_at=now, finished_at=None, error=""
    )
    run.status, run.heartbeat_at, run.finished_at, run.error = SyncStatus.RUNNING, now, None, ""
    return run


def _new_run(flow: Flow, handler: BatchHandler, mode, trigger: str, now: datetime) -> SyncRun:
    last_good = (
        SyncRun.objects.filter(flow=flow, status=SyncStatus.SUCCEEDED)
        .order_by("-started_at")
        .first()
    )
    if mode is None:
        delta_ok = last_good is not None and SyncMode.DELTA in handler.batch_modes
        mode = SyncMode.DELTA if delta_ok else handler.batch_modes[0]
    if mode == SyncMode.DELTA and last_good is None:
        mode = SyncMode.FULL  # nothing to take a delta from yet
    since = last_good.started_at if mode == SyncMode.DELTA else None
    return SyncRun.objects.create(
        flow=flow,
        mode=mode,
        trigger=trigger,
        since=since,
        started_at=now,
        heartbeat_at=now,
        status=SyncStatus.RUNNING,
    )


def sync_last(*, name: str) -> SyncRun | None:
    """The named flow's latest run, if it has one (to report how a failed run stopped)."""
    handler = batch_handlers().get(name)
    if handler is None:
        return None
    return SyncRun.objects.filter(flow__code=handler.flow_code).select_related("flow").first()


def sync_summary(run: SyncRun) -> str:
    """The one line a run ends with, as the command prints it and the log keeps it."""
    seconds = run.seconds or 0.0
    return (
        f"{run.flow.code} {run.mode} run {run.pk} {run.status}: fetched={run.fetched} "
        f"applied={run.applied} unchanged={run.unchanged} quarantined={run.quarantined} "
        f"pushed={run.pushed} pages={run.pages} seconds={seconds:.1f}"
    )
