from rest_framework import serializers

from apps.orders.models import Order, OrderLine
from apps.ownership.models import BusinessOwner, FieldOwnership


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
    """The JSON a partner gets for an order; kept on the envelope for idempotent repeats.

    Rendered from the order as order_create returns it (lines, products and account in
    memory): a GET of the same order answers the same, read from the database.
    """
    return OrderOut(order).data


class BusinessOwnerOut(serializers.ModelSerializer):
    class Meta:
        model = BusinessOwner
        fields = ["name", "email"]


class FieldOwnershipOut(serializers.ModelSerializer):
    """One matrix row: who owns, who else may write, who only reads, who decides."""

    owner_system = serializers.SlugRelatedField(slug_field="code", read_only=True)
    may_create = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    may_update = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    consumers = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    business_owner = BusinessOwnerOut()
    escalation_contact = serializers.CharField(
        source="escalates_to", help_text="The row's own contact, else the business owner's."
    )

    class Meta:
        model = FieldOwnership
        fields = [
            "entity",
            "field",
            "owner_system",
            "may_create",
            "may_update",
            "consumers",
            "enforcement",
            "business_owner",
            "escalation_contact",
        ]
