"""Webhooks other systems call with their events; each runs through its flow's intake."""

from drf_spectacular.utils import OpenApiParameter, extend_schema

from apps.api.intake import IDEMPOTENCY_KEY_HEADER, FlowIntakeView
from apps.api.schema import flow_request_schema
from apps.api.services import webhook_signature_problem


class OrderStatusWebhook(FlowIntakeView):
    """The ERP reports an order's status: acknowledged, lines changed or refused, cancelled."""

    flow_code = "order-status"
    required_scopes = {"POST": "order-status:write"}

    @extend_schema(
        request={"application/json": flow_request_schema("order-status", "1")},
        parameters=[IDEMPOTENCY_KEY_HEADER],
        responses={200: dict},
    )
    def post(self, request):
        return self.intake(request)


SIGNATURE_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")


class InventoryWebhook(FlowIntakeView):
    """The WMS reports stock changes, a batch of events at a time, signed (Standard Webhooks)."""

    flow_code = "inventory-update"
    required_scopes = {"POST": "inventory:write"}

    @extend_schema(
        request={"application/json": flow_request_schema("inventory-update", "1")},
        parameters=[
            IDEMPOTENCY_KEY_HEADER,
            *(OpenApiParameter(name, str, OpenApiParameter.HEADER) for name in SIGNATURE_HEADERS),
        ],
        responses={200: dict},
    )
    def post(self, request):
        # Checked here, where the headers are, and refused by the flow after the payload is
        # stored: a forged or mangled call is kept as received like any other refusal.
        headers = {name: request.headers.get(name, "") for name in SIGNATURE_HEADERS}
        problem = webhook_signature_problem(
            system=request.user.system, raw=request.body, headers=headers
        )
        return self.intake(request, signature_problem=problem)
