"""The simulated storefront: a partner client that places orders through the hub's API."""

from __future__ import annotations

import uuid

import requests


def storefront_place_order(
    *, hub_url: str, token: str, order: dict, idempotency_key: str | None = None
) -> requests.Response:
    """POST an order to the hub as the storefront would, with its own idempotency key."""
    return requests.post(
        hub_url.rstrip("/") + "/api/v1/orders/",
        json=order,
        headers={
            "Authorization": f"Token {token}",
            "Idempotency-Key": idempotency_key or f"sf-{uuid.uuid4().hex}",
        },
        timeout=15,
    )
