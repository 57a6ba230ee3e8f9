from apps.core.errors import Conflict, HubError
from apps.flows.models import Flow


class FlowMissing(HubError):
    code = "flow_missing"
    status = 500


class FlowInactive(Conflict):
    """The flow was deactivated on purpose: resending unchanged cannot help until it is back.

    409, not 503: a 5xx tells partners (and our own retry policy) to try again later, but a
    deactivated flow is a decision, not an outage; the sender should route the work elsewhere.
    """

    code = "flow_inactive"


class FlowDraining(Conflict):
    """An operator is draining the flow: it finishes what is queued and takes nothing new.

    409 like FlowInactive: resending at once cannot help; the sender holds the work, or routes
    it elsewhere, until the flow is resumed.
    """

    code = "flow_draining"


def flow_get(*, code: str, require_active: bool = True) -> Flow:
    """The active flow by code, with its systems and owner; a missing flow is a setup error.

    `require_active=False` lets intake store a payload first and refuse it afterwards.
    """
    flow = Flow.objects.select_related("source_system", "target_system", "owner").filter(code=code)
    found = flow.first()
    if found is None:
        raise FlowMissing(f"Flow {code!r} is not configured; run `manage.py seed_demo`.")
    return flow_require_active(flow=found) if require_active else found


def flow_require_active(*, flow: Flow) -> Flow:
    """The flow itself, or FlowInactive: nothing new enters a deactivated flow."""
    if not flow.is_active:
        # Partners read this message; it names the flow, not the people behind it.
        raise FlowInactive(f"Flow {flow.code!r} is deactivated and takes no new payloads.")
    return flow


def flow_accepting(*, flow: Flow) -> Flow:
    """The flow itself if it takes new payloads; FlowInactive or FlowDraining if it does not.

    Intake calls this after storing the payload as received. A paused flow still accepts:
    pausing holds deliveries, not senders.
    """
    flow_require_active(flow=flow)
    if flow.is_draining:
        # Partners read this message; it names the flow, not the people behind it.
        raise FlowDraining(
            f"Flow {flow.code!r} is draining: it finishes queued work and takes no new "
            "payloads until it is resumed."
        )
    return flow
