"""`python manage.py sync <flow> [--full|--delta]`: run a batch sync now, with its progress."""

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from apps.core.errors import HubError
from apps.exchange.models import SyncMode
from apps.exchange.stages.batch import batch_handlers, sync_last, sync_run, sync_summary


class Command(BaseCommand):
    help = "Run (or resume) a batch sync: catalog, prices, ... Prints one summary line at the end."

    def add_arguments(self, parser):
        parser.add_argument("flow", help="The batch flow: " + ", ".join(sorted(batch_handlers())))
        modes = parser.add_mutually_exclusive_group()
        modes.add_argument("--full", dest="mode", action="store_const", const=SyncMode.FULL)
        modes.add_argument("--delta", dest="mode", action="store_const", const=SyncMode.DELTA)
        parser.add_argument("--no-progress", action="store_true", help="Only the summary line.")

    def handle(self, *args, flow: str, mode: str | None, no_progress: bool, **options):
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[counts]}"),
            TimeElapsedColumn(),
            disable=no_progress,
            # The bar on stderr: stdout carries only the summary line, for scripts.
            console=Console(stderr=True),
        ) as bar:
            task = bar.add_task(f"sync {flow}", total=None, counts="")

            def progress(run):
                bar.update(
                    task,
                    completed=run.fetched,
                    total=run.expected,
                    counts=f"page {run.pages} applied {run.applied} held {run.quarantined}",
                )

            try:
                run = sync_run(name=flow, mode=mode, trigger="command", progress=progress)
            except HubError as exc:
                stopped = sync_last(name=flow)
                if stopped is not None:
                    self.stdout.write(sync_summary(stopped))
                raise CommandError(f"{exc.message} Run the command again to resume.") from exc
        self.stdout.write(sync_summary(run))
