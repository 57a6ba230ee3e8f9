"""Signed webhook calls to a partner, the Standard Webhooks way.

Headers `webhook-id` (the same on every retry of one message), `webhook-timestamp` (this
attempt's time) and `webhook-signature` (`v1,<base64 HMAC-SHA256 of id.timestamp.body>`, one
per live secret, space-separated). The body bytes sent are exactly the bytes signed.
"""

from __future__ import annotations

import json
from datetime import datetime

import requests
from standardwebhooks.webhooks import Webhook

from apps.connectors.rest.client import RestResponse, _classify
from apps.core.errors import TransportError


def webhook_body(payload: dict) -> str:
    """The one serialisation of a payload that is both signed and sent."""
    return json.dumps(payload, separators=(",", ":"), sort_keys=True)


def webhook_headers(*, message_id: str, moment: datetime, body: str, secrets: list[str]) -> dict:
    signatures = [Webhook(secret).sign(message_id, moment, body) for secret in secrets]
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": " ".join(signatures),
        "Content-Type": "application/json",
    }


def post_signed(
    *, system, url: str, payload: dict, message_id: str, moment: datetime, secrets: list[str]
) -> RestResponse:
    """POST a signed event to `url`; raises TransportError that says whether a retry can help."""
    body = webhook_body(payload)
    headers = webhook_headers(message_id=message_id, moment=moment, body=body, secrets=secrets)
    try:
        response = requests.post(
            url, data=body.encode(), headers=headers, timeout=system.timeout_seconds
        )
    except requests.Timeout as exc:
        raise TransportError(f"{system.code} webhook timed out: {exc}", retryable=True) from exc
    except requests.ConnectionError as exc:
        raise TransportError(f"{system.code} webhook unreachable: {exc}", retryable=True) from exc
    return _classify(system, response)
