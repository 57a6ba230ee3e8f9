from apps.core.errors import HubError
from apps.flows.models import Flow


class FlowMissing(HubError):
    code = "flow_missing"
    status = 500


def flow_get(*, code: str) -> Flow:
    """The flow by code, with its systems and owner; a missing flow is a setup error."""
    flow = Flow.objects.select_related("source_system", "target_system", "owner").filter(code=code)
    found = flow.first()
    if found is None:
        raise FlowMissing(f"Flow {code!r} is not configured; run `manage.py seed_demo`.")
    return found
