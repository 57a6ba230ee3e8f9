"""What a partner may read: its accounts, what they may buy, their prices, its own records.

One rule for every resource: a system of record sees everything; a partner sees its entitled
accounts (`AccountEntitlement`), the products those accounts may buy and their prices. An
account with no catalog entitlement rows buys from the whole catalog; one with rows buys only
the products its rows allow.
"""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet

from apps.accounts.models import CatalogEntitlement, CompanyAccount
from apps.accounts.selectors import accounts_visible_to
from apps.catalog.models import InventoryLevel, Product
from apps.core.errors import NotFound
from apps.exchange.models import Delivery, Envelope, EnvelopeStatus, TraceEvent
from apps.orders.models import Order
from apps.pricing.models import ContractPrice
from apps.quarantine.choices import ReasonCode
from apps.quarantine.models import QuarantineItem


def partner_accounts(*, system) -> QuerySet[CompanyAccount]:
    return accounts_visible_to(system=system).select_related("parent").order_by("number")


def partner_account(*, system, number: str) -> CompanyAccount:
    """One account the partner may see; another's answers as one that does not exist."""
    account = accounts_visible_to(system=system).filter(number=number).first()
    if account is None:
        # The number is not echoed: the answer is the same, byte for byte, for any account the
        # caller may not see, whether it exists or not.
        raise NotFound("No such account that you may see.", fields={"account": ["Unknown."]})
    return account


def partner_products(*, system, account: CompanyAccount | None = None) -> QuerySet[Product]:
    """Products the partner's accounts (or the one `account`) may buy."""
    products = Product.objects.order_by("sku")
    if account is None and system.sees_every_account():
        return products
    accounts = (
        CompanyAccount.objects.filter(pk=account.pk)
        if account is not None
        else accounts_visible_to(system=system)
    )
    rows = CatalogEntitlement.objects.filter(account__in=accounts)
    open_catalog = accounts.exclude(
        Exists(CatalogEntitlement.objects.filter(account=OuterRef("pk")))
    )
    if open_catalog.exists():
        return products
    allowed = rows.filter(allowed=True, product=OuterRef("pk"))
    return products.filter(Exists(allowed))


def partner_prices(
    *, system, on: datetime.date, account: CompanyAccount | None = None
) -> QuerySet[ContractPrice]:
    """Prices authorised on `on` for the partner's accounts, for products they may buy."""
    accounts = [account] if account is not None else accounts_visible_to(system=system)
    prices = ContractPrice.objects.filter(account__in=accounts, valid_from__lte=on).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=on)
    )
    buyable = CatalogEntitlement.objects.filter(account=OuterRef("account"))
    # An account with entitlement rows is priced only for products a row allows.
    prices = prices.filter(
        ~Exists(buyable) | Exists(buyable.filter(product=OuterRef("product"), allowed=True))
    )
    return prices.select_related("account", "product", "authorised_by").order_by(
        "account__number", "product__sku", "-valid_from"
    )


def partner_inventory(*, system) -> QuerySet[InventoryLevel]:
    return (
        InventoryLevel.objects.filter(product__in=partner_products(system=system))
        .select_related("product")
        .order_by("product__sku", "location")
    )


def partner_orders(*, system) -> QuerySet[Order]:
    """Orders the partner placed (another partner's, even for a shared account, are not)."""
    return (
        Order.objects.filter(source_system=system)
        .select_related("account")
        .prefetch_related("lines__product")
    )


def partner_webhook_deliveries(*, system, flow_code: str) -> QuerySet[Delivery]:
    return Delivery.objects.filter(flow__code=flow_code, target_system=system).order_by("-pk")


def partner_rejected_envelopes(*, system) -> QuerySet[Envelope]:
    return (
        Envelope.objects.filter(partner=system, status=EnvelopeStatus.REJECTED)
        .select_related("flow")
        .defer("raw")
        .order_by("-created_at", "-pk")
    )


def partner_quarantined(*, system) -> QuerySet[QuarantineItem]:
    """Items held from the partner's own payloads (not dead letters of the hub's deliveries)."""
    sent = TraceEvent.objects.filter(
        envelope__partner=system,
        subject_type=OuterRef("subject_type"),
        subject_key=OuterRef("subject_key"),
    )
    return (
        QuarantineItem.objects.filter(Exists(sent))
        .exclude(reason_code=ReasonCode.DELIVERY_FAILED)
        .select_related("flow")
        .order_by("-created_at", "-pk")
    )
