"""`python manage.py sandbox_wms_events --count N --skus X,Y [--duplicates D] [--out-of-order K]`:
the sandbox WMS posts N stock events to the hub's webhook, signed, in batches (some resent,
some held back until a newer event for their level went). Configure the WMS first:
POST /sandbox/wms/webhook/ {"url", "token", "secret"}."""

from django.core.management.base import BaseCommand, CommandError

from apps.core.errors import HubError
from apps.sandbox.wms import wms_events_send


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


class Command(BaseCommand):
    help = "Post N signed inventory events from the sandbox WMS to the hub; one summary line."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=20)
        parser.add_argument("--skus", type=_names, required=True, help="Comma-separated.")
        parser.add_argument("--locations", type=_names, default=["DC-EAST"])
        parser.add_argument("--duplicates", type=int, default=0, help="Events sent twice.")
        parser.add_argument("--out-of-order", type=int, default=0, help="Events sent late.")
        parser.add_argument("--batch-size", type=int, default=100)

    def handle(self, *args, count, skus, locations, duplicates, out_of_order, batch_size, **kw):
        try:
            run = wms_events_send(
                count=count,
                skus=skus,
                locations=locations,
                duplicates=duplicates,
                out_of_order=out_of_order,
                batch_size=batch_size,
            )
        except HubError as exc:
            raise CommandError(exc.message) from exc
        refused = [a for a in run.answers if a["status"] != 200]
        totals = {
            name: sum(a.get(name, 0) for a in run.answers if a["status"] == 200)
            for name in ("changed", "duplicates", "stale")
        }
        self.stdout.write(
            f"wms events sent={run.events} batches={run.batches} refused_batches={len(refused)} "
            f"changed={totals['changed']} duplicates={totals['duplicates']} "
            f"stale={totals['stale']}"
        )
        if refused:
            raise CommandError(f"The hub refused {len(refused)} batch(es): {refused[0]}")
