"""What a partner may read: its accounts, what they may buy, their prices, its own records.

One rule for every resource: a system of record sees everything; a partner sees its entitled
accounts (`AccountEntitlement`), the products those accounts may buy and their prices. An
account with no catalog entitlement rows buys from the whole catalog; one with rows buys only
the products its rows allow.
"""

from __future__ import annotations

import datetime
import re

from django.db.models import Exists, OuterRef, Q, QuerySet

from apps.accounts.models import CatalogEntitlement, CompanyAccount
from apps.accounts.selectors import accounts_visible_to
from apps.catalog.models import InventoryLevel, Product
from apps.core.errors import NotFound
from apps.exchange.handlers.record_sync.write import RECORD_FLOW
from apps.exchange.models import Delivery, Envelope, EnvelopeStatus, TraceEvent
from apps.fulfillment.selectors import order_fulfillment_prefetches
from apps.orders.models import Order, OrderStatus
from apps.ownership.models import FieldOwnership
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


def partner_order_details(*, system) -> QuerySet[Order]:
    """The partner's orders with their shipments and invoices: a fixed number of queries for
    one order, however many lines, shipments and invoices it has."""
    return partner_orders(system=system).prefetch_related(*order_fulfillment_prefetches())


# Record sync names its writer in the history's change reason ("record-sync from wms").
SYNCED_BY = re.compile(rf"^{re.escape(RECORD_FLOW)} from (?P<code>[A-Za-z0-9_.-]+)$")
# Statuses the hub decides itself as it takes an order in (validation, approval, credit).
HUB_DECIDES = {OrderStatus.QUARANTINED, OrderStatus.PENDING_APPROVAL, OrderStatus.CREDIT_HOLD}
HUB = "hub"


def order_status_history(*, order: Order, placed_by) -> list[dict]:
    """Each status the order went through, oldest first: status, when, and by which system.

    From the order's change history (one query): rows that changed something other than the
    status are left out. Who moved it: the writer record sync names; the hub for a person at
    the hub (never named to a partner) and for the statuses the hub decides; the partner that
    placed it (`placed_by`) for `received`; otherwise the owner of order.status in the
    ownership matrix, the only system allowed to report an order's status.
    """
    rows = order.history.order_by("history_date", "history_id").values_list(
        "status", "history_date", "history_user_id", "history_change_reason"
    )
    changes: list[dict] = []
    status_owner = _StatusOwner()
    for status, at, person, reason in rows:
        if changes and changes[-1]["status"] == status:
            continue
        synced = SYNCED_BY.match(reason or "")
        if synced:
            by = synced["code"]
        elif person is not None or status in HUB_DECIDES:
            by = HUB
        elif status == OrderStatus.RECEIVED:
            by = placed_by.code
        else:
            by = status_owner.code()
        changes.append({"status": status, "at": at, "by": by})
    return changes


class _StatusOwner:
    """The matrix's owner of order.status, read once and only if some change needs it."""

    def __init__(self):
        self._code: str | None = None

    def code(self) -> str:
        if self._code is None:
            owner = FieldOwnership.objects.filter(entity="order", field="status").values_list(
                "owner_system__code", flat=True
            )
            self._code = owner.first() or HUB
        return self._code


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
