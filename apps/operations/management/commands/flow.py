"""`manage.py flow pause|drain|resume <flow-code>`: the operator controls, one line each."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from apps.core.errors import HubError
from apps.exchange.models import Delivery, DeliveryStatus
from apps.flows.models import Flow
from apps.flows.selectors import flow_get
from apps.flows.services import flow_drain, flow_pause, flow_resume

CONTROLS = {
    "pause": (flow_pause, "Hold the flow's deliveries; intake still accepts."),
    "drain": (flow_drain, "Refuse new payloads; deliveries already queued go out."),
    "resume": (flow_resume, "End a pause or a drain."),
}
# Owed to a target and not yet settled: what a pause holds and a drain waits for.
OUTSTANDING = [DeliveryStatus.PENDING, DeliveryStatus.RETRYING, DeliveryStatus.IN_FLIGHT]


class Command(BaseCommand):
    help = "Pause, drain or resume a flow; prints one summary line."

    def add_arguments(self, parser):
        controls = parser.add_subparsers(dest="control", required=True)
        for name, (_, help_text) in CONTROLS.items():
            sub = controls.add_parser(name, help=help_text)
            sub.add_argument("flow_code", help="The flow's code, e.g. order-capture.")
            sub.add_argument("--reason", help="Kept in the flow's history.")
            sub.add_argument("--actor", help="Username of the person acting, for the history.")

    def handle(self, *args, control, flow_code, reason, actor, **options):
        change = CONTROLS[control][0]
        try:
            flow = change(
                flow=flow_get(code=flow_code, require_active=False),
                actor=_person(actor),
                reason=reason or f"{control} from the command line",
            )
        except HubError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(_summary(flow, resumed=control == "resume"))


def _person(username: str | None):
    if username is None:
        return None
    person = get_user_model().objects.filter(username=username, is_active=True).first()
    if person is None:
        raise CommandError(f"No active user {username!r}; history names a real person.")
    return person


def _summary(flow: Flow, *, resumed: bool) -> str:
    count = Delivery.objects.filter(flow=flow, status__in=OUTSTANDING).count()
    deliveries = f"{count} {'delivery' if count == 1 else 'deliveries'}"
    waiting = "held" if flow.is_paused else "still queued"
    intake = "refused" if flow.is_draining or not flow.is_active else "accepted"
    state = "resumed" if resumed else flow.operating_state()
    return f"{flow.code}: {state} ({deliveries} {waiting}; new payloads {intake})"
