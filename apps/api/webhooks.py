"""Webhooks other systems call with their events; each runs through its flow's intake."""

from drf_spectacular.utils import extend_schema

from apps.api.intake import IDEMPOTENCY_KEY_HEADER, FlowIntakeView
from apps.api.schema import flow_request_schema


class OrderStatusWebhook(FlowIntakeView):
    """The ERP reports an order's status: acknowledged, lines changed or refused, cancelled."""

    flow_code = "order-status"

    @extend_schema(
        request={"application/json": flow_request_schema("order-status", "1")},
        parameters=[IDEMPOTENCY_KEY_HEADER],
        responses={200: dict},
    )
    def post(self, request):
        return self.intake(request)
