from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics

from apps.api.examples import ORDER_DETAIL_EXAMPLE
from apps.api.intake import IDEMPOTENCY_KEY_HEADER, FlowIntakeView
from apps.api.schema import flow_request_schema
from apps.api.selectors import order_status_history, partner_order_details
from apps.api.serializers import FieldOwnershipOut, OrderDetailOut, OrderOut, order_render
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
    """An order you placed: its status, lines as the ERP answered them, shipments, invoices
    and status history."""

    required_scopes = {"GET": "orders:read"}
    serializer_class = OrderDetailOut
    lookup_field = "number"
    queryset = Order.objects.none()  # the schema's; requests use get_queryset

    def get_queryset(self):
        return partner_order_details(system=self.request.user.system)

    def get_object(self):
        order = super().get_object()
        order.status_history = order_status_history(order=order, placed_by=self.request.user.system)
        return order

    @extend_schema(
        examples=[
            OpenApiExample("Shipped and invoiced", value=ORDER_DETAIL_EXAMPLE),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class OwnershipMatrix(generics.ListAPIView):
    """The field-ownership matrix: per entity field, who may write it and who decides."""

    required_scopes = {"GET": "ownership:read"}
    serializer_class = FieldOwnershipOut
    filterset_fields = ["entity", "field"]

    def get_queryset(self):
        return ownership_matrix()
