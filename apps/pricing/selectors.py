from __future__ import annotations

import datetime

from django.db.models import Q

from apps.pricing.models import ContractPrice


def authorised_price(*, account, product, on: datetime.date) -> ContractPrice | None:
    """The contract price valid on a date; the most recently started one wins."""
    return _valid_on(on).filter(account=account, product=product).first()


def authorised_prices(*, account, products, on: datetime.date) -> dict[int, ContractPrice]:
    """`authorised_price` for many products in one query, keyed by product pk; none: absent."""
    prices: dict[int, ContractPrice] = {}
    for price in _valid_on(on).filter(account=account, product__in=products):
        prices.setdefault(price.product_id, price)  # ordered newest first per product
    return prices


def _valid_on(on: datetime.date):
    return (
        ContractPrice.objects.filter(valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .select_related("authorised_by")
        .order_by("product", "-valid_from")
    )
