"""The partner's side of the webhooks the hub sends it: the delivery log, and replay."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.api.filters import UtcIsoDateTimeFilter
from apps.api.outputs import ReplayIn, ReplayOut, WebhookDeliveryOut
from apps.api.reference import PartnerList
from apps.api.selectors import partner_webhook_deliveries
from apps.exchange.handlers.partner_webhooks import WEBHOOK_FLOW, partner_webhooks_replay
from apps.exchange.models import Delivery, DeliveryStatus

EVENT_EXAMPLE = {
    "webhook_id": "hub-partner-webhooks-HUB-0000042-acknowledged",
    "type": "order.acknowledged",
    "order": "HUB-0000042",
    "status": "delivered",
    "attempts": 1,
    "last_error": "",
    "next_attempt_at": "2026-11-26T08:00:00Z",
    "created_at": "2026-11-26T08:00:00Z",
    "updated_at": "2026-11-26T08:00:01Z",
    "payload": {
        "type": "order.acknowledged",
        "timestamp": "2026-11-26T07:59:58Z",
        "data": {"order": "HUB-0000042", "status": "acknowledged", "account": "NW-1001"},
    },
}


class DeliveryFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=DeliveryStatus.choices)
    order = filters.CharFilter(field_name="subject_key")
    since = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    until = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Delivery
        fields = ["status"]


class WebhookDeliveries(PartnerList):
    """Every webhook the hub queued for you, newest first: its status, attempts and body."""

    required_scopes = {"GET": "webhooks:read"}
    serializer_class = WebhookDeliveryOut
    queryset = Delivery.objects.none()  # the schema's; requests use get_queryset
    filterset_class = DeliveryFilter

    def get_queryset(self):
        return partner_webhook_deliveries(system=self.system, flow_code=WEBHOOK_FLOW)

    @extend_schema(
        examples=[OpenApiExample("Delivered event", value=EVENT_EXAMPLE, response_only=True)]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class WebhookReplay(APIView):
    """Send again every event first queued for you in [since, until): each as a new message
    (a new webhook-id) with the same body. At most 31 days and 1,000 events at a time."""

    required_scopes = {"POST": "webhooks:write"}

    @extend_schema(
        request=ReplayIn,
        responses={
            202: OpenApiResponse(
                ReplayOut,
                examples=[
                    OpenApiExample(
                        "Queued",
                        value={"queued": 1, "webhook_ids": ["hub-partner-webhooks-replay-5f0c"]},
                    )
                ],
            ),
        },
        extensions={
            "x-hub-errors": {
                "409": "No active webhook endpoint is configured for you "
                "(`webhook_not_configured`); ask the hub's integration admin."
            }
        },
        examples=[
            OpenApiExample(
                "Last night",
                value={"since": "2026-11-25T18:00:00Z", "until": "2026-11-26T06:00:00Z"},
                request_only=True,
            )
        ],
    )
    def post(self, request):
        asked = ReplayIn(data=request.data)
        asked.is_valid(raise_exception=True)
        copies = partner_webhooks_replay(partner=request.user.system, **asked.validated_data)
        body = {"queued": len(copies), "webhook_ids": [copy.idempotency_key for copy in copies]}
        return Response(ReplayOut(body).data, status=202)
