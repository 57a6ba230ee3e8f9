from django.conf import settings
from django.core.management.base import BaseCommand

from apps.operations.demo_data import seed_demo


class Command(BaseCommand):
    help = "Load the demo systems, ownership matrix, flow, people, accounts, products and prices."

    def add_arguments(self, parser):
        parser.add_argument(
            "--hub-url",
            default=settings.HUB_PUBLIC_URL,
            help="Where the sandbox systems are served (default HUB_PUBLIC_URL).",
        )

    def handle(self, *args, hub_url, **options):
        result = seed_demo(hub_url=hub_url)
        self.stdout.write(
            f"seeded {result['systems']} systems, {result['people']} people, "
            f"{result['matrix_rows']} matrix rows, {result['products']} products; "
            f"demo password {result['password']}"
        )
