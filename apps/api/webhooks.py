"""Webhooks other systems call with their events; each runs through its flow's intake."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.api.schema import flow_request_schema
from apps.exchange.services import intake_receive


class OrderStatusWebhook(APIView):
    """The ERP reports an order's status: acknowledged, lines changed or refused, cancelled."""

    @extend_schema(
        request={"application/json": flow_request_schema("order-status", "1")},
        parameters=[
            OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=True)
        ],
        responses={200: dict},
    )
    def post(self, request):
        answer = intake_receive(
            flow_code="order-status",
            partner=request.user.system,
            idempotency_key=request.headers.get("Idempotency-Key", "").strip(),
            raw=request.body,
            content_type=request.content_type or "",
        )
        return Response(answer.body, status=answer.status)
