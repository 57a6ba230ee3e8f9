"""The simulated storefront: a partner client that places orders through the hub's API."""

from __future__ import annotations

import uuid

import requests

from apps.sandbox.services import storefront_order_record


def storefront_place_order(
    *, hub_url: str, token: str, order: dict, idempotency_key: str | None = None
) -> requests.Response:
    """POST an order to the hub as the storefront would, with its own idempotency key."""
    key = idempotency_key or f"sf-{uuid.uuid4().hex}"
    response = requests.post(
        hub_url.rstrip("/") + "/api/v1/orders/",
        json=order,
        headers={"Authorization": f"Token {token}", "Idempotency-Key": key},
        timeout=15,
    )
    if response.status_code == 201:
        # The storefront's own order book, which the orders reconciliation reads back.
        storefront_order_record(key=key, order=order, answer=response.json())
    return response
