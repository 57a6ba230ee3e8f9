"""Reference data a partner reads: its accounts, what they may buy, their prices, stock."""

from __future__ import annotations

from django.utils import timezone
from django.utils.dateparse import parse_date
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import ValidationError

from apps.accounts.models import CompanyAccount
from apps.api.outputs import AccountOut, InventoryOut, PriceOut, ProductOut
from apps.api.pagination import PartnerPages
from apps.api.selectors import (
    partner_account,
    partner_accounts,
    partner_inventory,
    partner_prices,
    partner_products,
)
from apps.catalog.models import InventoryLevel, Product
from apps.pricing.models import ContractPrice

ACCOUNT_PARAMETER = OpenApiParameter(
    "account",
    str,
    description="An account number of yours; another's (or none) answers 404.",
)


class PartnerList(generics.ListAPIView):
    """Base of the read resources: paginated, filtered, scoped to the caller."""

    pagination_class = PartnerPages

    @property
    def system(self):
        return self.request.user.system

    def account_asked(self):
        """The `?account=` the caller named, which must be one of its own; None if not given."""
        number = self.request.query_params.get("account")
        return partner_account(system=self.system, number=number) if number else None


class AccountFilter(filters.FilterSet):
    number = filters.CharFilter()
    status = filters.CharFilter()
    credit_status = filters.CharFilter()


class AccountList(PartnerList):
    """The company accounts you are entitled to."""

    required_scopes = {"GET": "accounts:read"}
    queryset = CompanyAccount.objects.none()  # the schema's; requests use get_queryset
    serializer_class = AccountOut
    filterset_class = AccountFilter

    def get_queryset(self):
        return partner_accounts(system=self.system).prefetch_related("taxexemption_set")

    @extend_schema(
        examples=[
            OpenApiExample(
                "Accounts",
                value={
                    "number": "NW-1002",
                    "name": "Northwind Plant 2",
                    "parent": "NW-1001",
                    "status": "active",
                    "credit_status": "ok",
                    "tax_exemptions": [],
                },
                response_only=True,
            )
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ProductFilter(filters.FilterSet):
    sku = filters.CharFilter(help_text="One SKU, exactly as the hub spells it.")
    status = filters.CharFilter()


class ProductList(PartnerList):
    """Products your accounts may buy (`?account=` for one account's catalog)."""

    required_scopes = {"GET": "products:read"}
    queryset = Product.objects.none()
    serializer_class = ProductOut
    filterset_class = ProductFilter

    def get_queryset(self):
        return partner_products(system=self.system, account=self.account_asked())

    @extend_schema(
        parameters=[ACCOUNT_PARAMETER],
        examples=[
            OpenApiExample(
                "Products",
                value={
                    "sku": "ACME-BOLT-M8",
                    "name": "Hex bolt M8 x 40, zinc",
                    "description": "",
                    "uom": "EA",
                    "status": "active",
                },
                response_only=True,
            )
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class PriceFilter(filters.FilterSet):
    sku = filters.CharFilter(field_name="product__sku")


class PriceList(PartnerList):
    """The prices authorised for your accounts: send these unit prices with your orders."""

    required_scopes = {"GET": "prices:read"}
    queryset = ContractPrice.objects.none()
    serializer_class = PriceOut
    filterset_class = PriceFilter

    def get_queryset(self):
        on = self.request.query_params.get("on")
        return partner_prices(
            system=self.system,
            on=_date(on) if on else timezone.localdate(),
            account=self.account_asked(),
        )

    @extend_schema(
        parameters=[
            ACCOUNT_PARAMETER,
            OpenApiParameter(
                "on", OpenApiTypes.DATE, description="Prices valid on this date; default today."
            ),
        ],
        examples=[
            OpenApiExample(
                "Contract price",
                value={
                    "account": "NW-1001",
                    "sku": "ACME-BOLT-M8",
                    "unit_price": "0.3500",
                    "currency": "USD",
                    "uom": "EA",
                    "min_quantity": "1.0000",
                    "valid_from": "2026-01-01",
                    "valid_to": None,
                    "contract": "C-NW-2026",
                    "authorised_by": "erp",
                },
                response_only=True,
            )
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class InventoryFilter(filters.FilterSet):
    sku = filters.CharFilter(field_name="product__sku")
    location = filters.CharFilter()


class InventoryList(PartnerList):
    """Availability by location of the products your accounts may buy."""

    required_scopes = {"GET": "inventory:read"}
    queryset = InventoryLevel.objects.none()
    serializer_class = InventoryOut
    filterset_class = InventoryFilter

    def get_queryset(self):
        return partner_inventory(system=self.system)

    @extend_schema(
        examples=[
            OpenApiExample(
                "Stock",
                value={
                    "sku": "ACME-BOLT-M8",
                    "location": "DAYTON",
                    "available": "1200.0000",
                    "uom": "EA",
                    "backorder_date": None,
                    "updated_at": "2026-11-26T08:00:00Z",
                },
                response_only=True,
            )
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


def _date(text: str):
    try:
        parsed = parse_date(text)
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValidationError({"on": ["A date: YYYY-MM-DD."]})
    return parsed
