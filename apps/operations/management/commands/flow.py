"""`manage.py flow pause|drain|resume <flow-code>` and `flow replay <flow-code> --since --until`
(approved with `flow replay-approve <request>` by a second person): one line each."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from apps.core.errors import HubError
from apps.exchange.models import Delivery, DeliveryStatus, ReplayRequest
from apps.exchange.services import (
    replay_range_approve,
    replay_range_deliveries,
    replay_range_refuse,
    replay_range_request,
)
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
        replay = controls.add_parser("replay", help="Ask to send a time range again.")
        replay.add_argument("flow_code")
        replay.add_argument("--since", required=True, help="ISO 8601, e.g. 2026-11-25T00:00Z")
        replay.add_argument("--until", required=True, help="ISO 8601, exclusive")
        replay.add_argument("--reason", required=True)
        replay.add_argument("--actor", required=True, help="Who asks (a second person approves).")
        for decision in ("replay-approve", "replay-refuse"):
            sub = controls.add_parser(decision, help="A second person decides a replay request.")
            sub.add_argument("request_id", type=int)
            sub.add_argument("--actor", required=True)

    def handle(self, *args, control, **options):
        try:
            line = self._replay(control, **options) if "replay" in control else None
            line = line or self._control(control, **options)
        except HubError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(line)

    def _replay(self, control, *, actor, **options) -> str:
        person = _person(actor)
        if control == "replay":
            request = replay_range_request(
                flow=flow_get(code=options["flow_code"], require_active=False),
                since=_moment(options["since"]),
                until=_moment(options["until"]),
                actor=person,
                reason=options["reason"],
            )
            count = replay_range_deliveries(
                flow=request.flow, since=request.since, until=request.until
            ).count()
            return (
                f"{request.flow.code}: replay request {request.pk} for {count} deliveries "
                f"waits for a second person (manage.py flow replay-approve {request.pk})"
            )
        request = ReplayRequest.objects.filter(pk=options["request_id"]).first()
        if request is None:
            raise CommandError(f"No replay request {options['request_id']}.")
        if control == "replay-refuse":
            replay_range_refuse(request=request, actor=person)
            return f"{request.flow.code}: replay request {request.pk} refused"
        request = replay_range_approve(request=request, actor=person)
        queued = request.deliveries
        return f"{request.flow.code}: replay request {request.pk} queued {queued} deliveries again"

    def _control(self, control, *, flow_code, reason, actor, **options) -> str:
        change = CONTROLS[control][0]
        flow = change(
            flow=flow_get(code=flow_code, require_active=False),
            actor=_person(actor),
            reason=reason or f"{control} from the command line",
        )
        return _summary(flow, resumed=control == "resume")


def _person(username: str | None):
    if username is None:
        return None
    person = get_user_model().objects.filter(username=username, is_active=True).first()
    if person is None:
        raise CommandError(f"No active user {username!r}; history names a real person.")
    return person


def _moment(text: str):
    moment = parse_datetime(text.replace("Z", "+00:00"))
    if moment is None or moment.tzinfo is None:
        raise CommandError(f"{text!r} is not an ISO 8601 moment with a time zone.")
    return moment


def _summary(flow: Flow, *, resumed: bool) -> str:
    count = Delivery.objects.filter(flow=flow, status__in=OUTSTANDING).count()
    deliveries = f"{count} {'delivery' if count == 1 else 'deliveries'}"
    waiting = "held" if flow.is_paused else "still queued"
    intake = "refused" if flow.is_draining or not flow.is_active else "accepted"
    state = "resumed" if resumed else flow.operating_state()
    return f"{flow.code}: {state} ({deliveries} {waiting}; new payloads {intake})"
