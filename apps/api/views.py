from drf_spectacular.utils import extend_schema
from rest_framework import generics

from apps.api.intake import IDEMPOTENCY_KEY_HEADER, FlowIntakeView
from apps.api.schema import flow_request_schema
from apps.api.serializers import FieldOwnershipOut, OrderOut, order_render
from apps.orders.models import Order
from apps.ownership.selectors import ownership_matrix


class OrderCollection(FlowIntakeView):
    """Submit an order; the Idempotency-Key header makes retries safe."""

    flow_code = "order-capture"
    required_scopes = {"POST": "orders:write"}
    serializer_class = OrderOut  # for the schema; input is checked by the flow's JSON Schema

    @extend_schema(
        request={"application/json": flow_request_schema("order-capture", "1")},
        parameters=[IDEMPOTENCY_KEY_HEADER],
        responses={201: OrderOut},
    )
    def post(self, request):
        return self.intake(request, render=order_render)


class OrderDetail(generics.RetrieveAPIView):
    """An order the caller placed, with its status and lines."""

    required_scopes = {"GET": "orders:read"}
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

    required_scopes = {"GET": "ownership:read"}
    serializer_class = FieldOwnershipOut
    filterset_fields = ["entity", "field"]

    def get_queryset(self):
        return ownership_matrix()
