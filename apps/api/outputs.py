"""What the partner API's read resources answer (accounts, products, prices, inventory,
webhook deliveries, failures)."""

from rest_framework import serializers

from apps.accounts.models import CompanyAccount
from apps.catalog.models import InventoryLevel, Product
from apps.exchange.models import Delivery
from apps.pricing.models import ContractPrice


class TaxExemptionOut(serializers.Serializer):
    certificate = serializers.CharField()
    jurisdiction = serializers.CharField()
    expires_on = serializers.DateField()


class AccountOut(serializers.ModelSerializer):
    parent = serializers.CharField(source="parent.number", allow_null=True, default=None)
    tax_exemptions = TaxExemptionOut(source="taxexemption_set", many=True)

    class Meta:
        model = CompanyAccount
        fields = ["number", "name", "parent", "status", "credit_status", "tax_exemptions"]


class ProductOut(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["sku", "name", "description", "uom", "status"]


class PriceOut(serializers.ModelSerializer):
    account = serializers.CharField(source="account.number")
    sku = serializers.CharField(source="product.sku")
    contract = serializers.CharField(source="contract_number")
    authorised_by = serializers.CharField(source="authorised_by.code")

    class Meta:
        model = ContractPrice
        fields = [
            "account",
            "sku",
            "unit_price",
            "currency",
            "uom",
            "min_quantity",
            "valid_from",
            "valid_to",
            "contract",
            "authorised_by",
        ]


class InventoryOut(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku")
    uom = serializers.CharField(source="product.uom")

    class Meta:
        model = InventoryLevel
        fields = ["sku", "location", "available", "uom", "backorder_date", "updated_at"]


class WebhookDeliveryOut(serializers.ModelSerializer):
    webhook_id = serializers.CharField(source="idempotency_key")
    type = serializers.CharField(source="payload.type")
    order = serializers.CharField(source="subject_key")
    payload = serializers.JSONField()

    class Meta:
        model = Delivery
        fields = [
            "webhook_id",
            "type",
            "order",
            "status",
            "attempts",
            "last_error",
            "next_attempt_at",
            "created_at",
            "updated_at",
            "payload",
        ]


class ReplayIn(serializers.Serializer):
    since = serializers.DateTimeField()
    until = serializers.DateTimeField()


class ReplayOut(serializers.Serializer):
    queued = serializers.IntegerField(help_text="How many events were queued again.")
    webhook_ids = serializers.ListField(child=serializers.CharField())


class FailureOut(serializers.Serializer):
    id = serializers.CharField(help_text="`envelope-<n>` or `quarantine-<n>`; quote it to us.")
    kind = serializers.ChoiceField(
        choices=[
            ("rejected", "Refused at once; nothing was applied. Fix and resend."),
            ("quarantined", "Accepted but held for a person at the hub."),
        ]
    )
    flow = serializers.CharField()
    at = serializers.DateTimeField()
    idempotency_key = serializers.CharField(allow_blank=True)
    subject = serializers.CharField(allow_blank=True, help_text="e.g. the order number.")
    code = serializers.CharField()
    message = serializers.CharField(help_text="The hub's own message, as the answer said.")
    reason = serializers.CharField(help_text="What went wrong, in plain words.")
    what_to_change = serializers.CharField()
    fields = serializers.DictField(help_text="Per field, what is wrong with it.")
    status = serializers.CharField(help_text="Quarantined items: where the item stands now.")


class FailureQueryIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["rejected", "quarantined"], required=False)
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)


class FailurePageOut(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = FailureOut(many=True)
