from django.core.management.base import BaseCommand, CommandError

from apps.reconciliation.choices import RunStatus, Trigger
from apps.reconciliation.selectors import run_summary
from apps.reconciliation.services import reconciliation_names, reconciliation_run


class Command(BaseCommand):
    help = "Run one reconciliation now and print its summary line."

    def add_arguments(self, parser):
        parser.add_argument("name", choices=reconciliation_names())

    def handle(self, *args, name: str, **options):
        run = reconciliation_run(name=name, trigger=Trigger.COMMAND)
        if run.status != RunStatus.SUCCEEDED:
            raise CommandError(run_summary(run))
        self.stdout.write(run_summary(run))
