from rest_framework import serializers

from apps.orders.models import Order, OrderLine


class OrderLineOut(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku")

    class Meta:
        model = OrderLine
        fields = ["line_number", "sku", "quantity", "uom", "unit_price", "ship_to"]


class OrderOut(serializers.ModelSerializer):
    account = serializers.CharField(source="account.number")
    lines = OrderLineOut(many=True)

    class Meta:
        model = Order
        fields = [
            "number",
            "status",
            "account",
            "po_number",
            "currency",
            "ship_to",
            "external_ref",
            "lines",
            "created_at",
        ]


def order_render(order: Order) -> dict:
    """The JSON a partner gets for an order; kept on the envelope for idempotent repeats."""
    order = (
        Order.objects.prefetch_related("lines__product").select_related("account").get(pk=order.pk)
    )
    return OrderOut(order).data
