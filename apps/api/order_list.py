"""GET on the orders collection: the caller's orders, paginated and filtered.

A subclass, so the order-capture POST it inherits stays exactly as it is.
"""

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework.filters import OrderingFilter
from rest_framework.generics import GenericAPIView
from rest_framework.mixins import ListModelMixin

from apps.api.filters import UtcIsoDateTimeFilter
from apps.api.pagination import PartnerPages
from apps.api.reference import ACCOUNT_PARAMETER
from apps.api.selectors import partner_account, partner_orders
from apps.api.serializers import OrderOut
from apps.api.views import OrderCollection
from apps.orders.models import Order, OrderStatus


class OrderFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=OrderStatus.choices)
    po_number = filters.CharFilter()
    created_since = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_until = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Order
        fields = ["status", "po_number"]


class Orders(ListModelMixin, OrderCollection, GenericAPIView):
    required_scopes = {**OrderCollection.required_scopes, "GET": "orders:read"}
    pagination_class = PartnerPages
    queryset = Order.objects.none()  # the schema's; requests use get_queryset
    filter_backends = [filters.DjangoFilterBackend, OrderingFilter]
    filterset_class = OrderFilter
    ordering_fields = ["created_at", "number"]
    ordering = ["-created_at", "-pk"]

    def get_queryset(self):
        orders = partner_orders(system=self.request.user.system)
        number = self.request.query_params.get("account")
        if number:
            orders = orders.filter(
                account=partner_account(system=self.request.user.system, number=number)
            )
        return orders

    @extend_schema(parameters=[ACCOUNT_PARAMETER], responses={200: OrderOut(many=True)})
    def get(self, request, *args, **kwargs):
        """Your orders, newest first: status and lines."""
        return self.list(request, *args, **kwargs)
