from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.api.schema import flow_request_schema
from apps.api.serializers import FieldOwnershipOut, OrderOut, order_render
from apps.exchange.services import intake_receive
from apps.orders.models import Order
from apps.ownership.selectors import ownership_matrix


class OrderCollection(APIView):
    """Submit an order; the Idempotency-Key header makes retries safe."""

    serializer_class = OrderOut  # for the schema; input is checked by the flow's JSON Schema

    @extend_schema(
        request={"application/json": flow_request_schema("order-capture", "1")},
        parameters=[
            OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=True)
        ],
        responses={201: OrderOut},
    )
    def post(self, request):
        answer = intake_receive(
            flow_code="order-capture",
            partner=request.user.system,
            idempotency_key=request.headers.get("Idempotency-Key", "").strip(),
            raw=request.body,
            content_type=request.content_type or "",
            render=order_render,
        )
        return Response(answer.body, status=answer.status)


class OrderDetail(generics.RetrieveAPIView):
    """An order the caller placed, with its status and lines."""

    serializer_class = OrderOut
    lookup_field = "number"

    def get_queryset(self):
        return (
            Order.objects.filter(source_system=self.request.user.system)
            .prefetch_related("lines__product")
            .select_related("account")
        )


class OwnershipMatrix(generics.ListAPIView):
    """The field-ownership matrix: per entity field, who may write it and who decides."""

    serializer_class = FieldOwnershipOut
    filterset_fields = ["entity", "field"]

    def get_queryset(self):
        return ownership_matrix()
