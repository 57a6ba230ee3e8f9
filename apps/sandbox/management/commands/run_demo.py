from django.core.management.base import BaseCommand, CommandError

from apps.sandbox.demo_runner import DemoFailed, demo_run


class Command(BaseCommand):
    help = (
        "Seed the demo, serve the hub with a Celery worker and beat, place sample orders "
        "through the sandbox storefront, and run until Ctrl-C."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--no-story", action="store_true", help="Skip the sample orders and the ERP fault."
        )

    def handle(self, *args, host, port, no_story, **options):
        try:
            demo_run(host=host, port=port, story=not no_story, write=self._say)
        except DemoFailed as exc:
            raise CommandError(exc.message) from exc

    def _say(self, line: str) -> None:
        # Flushed per line: whoever reads a pipe (a test, `tee`) sees each step as it happens.
        self.stdout.write(line)
        self.stdout.flush()
