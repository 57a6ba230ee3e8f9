"""`python manage.py seed_ops_history`: 30 days of back-dated activity for the demo dashboard."""

from django.core.management.base import BaseCommand

from apps.monitoring.demo_history import demo_history_seed


class Command(BaseCommand):
    help = "Back-date a month of demo activity (payloads, held records, runs); prints one line."

    def handle(self, *args, **options):
        counts = demo_history_seed()
        self.stdout.write(
            f"Demo history: {counts['envelopes']} payloads, {counts['items']} held records, "
            f"{counts['runs']} nightly runs over the last 30 days."
        )
