"""Flow handlers: one per flow, registered by flow code.

The shared stages (intake, route, deliver, replay, trace) know this interface and never a
concrete flow: they look the handler up by the flow's code. A new flow is a new module here
with a `FlowHandler` subclass decorated with `@flow_handler`; no shared stage changes.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import TYPE_CHECKING, ClassVar

from apps.connectors.rest.client import RestResponse, post_json
from apps.core.errors import HubError, ValidationFailed

if TYPE_CHECKING:
    from apps.exchange.stages.intake import IntakeAnswer
    from apps.exchange.stages.trace import Trail

_HANDLERS: dict[str, FlowHandler] = {}


class HandlerMissing(HubError):
    """A flow exists in the catalog but no code handles it yet."""

    code = "flow_not_built"
    status = 501


class FlowHandler:
    """What one flow supplies to the shared stages."""

    flow_code: ClassVar[str]
    # The business object the flow's trace and quarantine items are about ("order", ...).
    subject_type: ClassVar[str]

    def receive(self, *, flow, partner, envelope, trail: Trail, **params) -> IntakeAnswer:
        """Parse, map, validate, apply and route one stored payload; each stage on the trail."""
        raise HandlerMissing(f"Flow {flow.code} takes no inbound payloads.")

    def send(self, *, delivery) -> RestResponse:
        """Call the target with one delivery; raises TransportError saying if a retry helps."""
        return post_json(
            system=delivery.target_system,
            path=delivery.path,
            body=delivery.payload,
            idempotency_key=delivery.idempotency_key,
        )

    def delivered(self, *, delivery, answer: dict) -> None:
        """The target accepted a delivery of this flow; `answer` is its parsed response."""

    def delivered_many(self, *, accepted: list[tuple]) -> None:
        """Several deliveries of this flow accepted in one batch: (delivery, answer) pairs in
        the order sent. A flow that can record them in bulk overrides this."""
        for delivery, answer in accepted:
            self.delivered(delivery=delivery, answer=answer)

    def replay(self, *, item, actor) -> None:
        """Run an owner-corrected, second-person-approved quarantine item through the flow."""
        raise ValidationFailed(f"No replay is defined for {item.reason_code} items.")


def flow_handler(cls: type[FlowHandler]) -> type[FlowHandler]:
    """Class decorator: register the handler under its flow code (one handler per flow)."""
    if cls.flow_code in _HANDLERS:
        raise RuntimeError(f"Two handlers for flow {cls.flow_code!r}.")
    _HANDLERS[cls.flow_code] = cls()
    return cls


def handler_for(flow_code: str) -> FlowHandler:
    """The registered handler of a flow, or HandlerMissing for a flow not built yet."""
    try:
        return _HANDLERS[flow_code]
    except KeyError:
        raise HandlerMissing(f"Flow {flow_code!r} is not built yet.") from None


def handlers_discover() -> None:
    """Import every handler module in this package once, so each registers itself."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


def handled_flows() -> list[str]:
    return sorted(_HANDLERS)
