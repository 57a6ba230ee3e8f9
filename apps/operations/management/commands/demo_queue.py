from django.core.management.base import BaseCommand, CommandError

from apps.core.errors import HubError
from apps.operations.demo_data import demo_queue_age, demo_queue_counts


class Command(BaseCommand):
    help = (
        "Print the quarantine queue's waiting items by reason code; with --overdue, first move "
        "one item's opening time back past its flow's SLA (demo data only)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--overdue", metavar="SUBJECT_KEY", default="")

    def handle(self, *args, overdue: str, **options):
        if overdue:
            try:
                demo_queue_age(subject_key=overdue)
            except HubError as exc:
                raise CommandError(exc.message) from exc
        counts = demo_queue_counts()
        overdue = counts.pop("overdue")
        summary = ", ".join(f"{reason} {count}" for reason, count in sorted(counts.items()))
        self.stdout.write(
            f"queue: {sum(counts.values())} waiting ({summary or 'none'}); overdue {overdue}"
        )
