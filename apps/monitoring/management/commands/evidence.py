"""`python manage.py evidence <flow>`: write the flow's evidence pack; the last line is its path."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.flows.models import Flow
from apps.monitoring.evidence import evidence_pack


class Command(BaseCommand):
    help = "Write a flow's evidence pack (zip); prints the path of the zip as its last line."

    def add_arguments(self, parser):
        parser.add_argument("flow", help="The flow's code, e.g. order-capture.")
        parser.add_argument(
            "--out", default="", help="Folder for the zip (default: HUB_STATE_DIR/evidence)."
        )

    def handle(self, *args, flow, out, **options):
        found = Flow.objects.select_related("owner", "source_system", "target_system")
        found = found.filter(code=flow).first()
        if found is None:
            codes = ", ".join(Flow.objects.values_list("code", flat=True))
            raise CommandError(f"No flow {flow!r}. Flows: {codes}.")
        folder = Path(out) if out else settings.STATE_DIR / "evidence"
        folder.mkdir(parents=True, exist_ok=True)
        name, content = evidence_pack(flow=found)
        path = (folder / name).resolve()
        path.write_bytes(content)
        self.stdout.write(str(path))
