from __future__ import annotations

import datetime

from django.db.models import Q

from apps.pricing.models import ContractPrice


def authorised_price(*, account, product, on: datetime.date) -> ContractPrice | None:
    """The contract price valid on a date; the most recently started one wins."""
    return (
        ContractPrice.objects.filter(account=account, product=product, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .select_related("authorised_by")
        .order_by("-valid_from")
        .first()
    )
