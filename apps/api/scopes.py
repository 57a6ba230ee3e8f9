"""What a partner credential may do: one scope per resource and verb.

An OAuth2 client holds the scopes its `PartnerClient` row grants (`manage.py partner_client`);
a per-partner token (`manage.py partner_token`) holds every scope, as tokens did before scopes
existed. Each view names the scope each of its methods needs (`required_scopes`).
"""

from __future__ import annotations

from oauth2_provider.scopes import BaseScopes

SCOPES = {
    "orders:write": "Submit orders",
    "orders:read": "Read your orders: status, lines, shipments, invoices, status history",
    "accounts:read": "Read the company accounts you are entitled to",
    "products:read": "Read the products your accounts may buy",
    "prices:read": "Read the prices authorised for your accounts",
    "inventory:read": "Read availability of the products your accounts may buy",
    "ownership:read": "Read the field-ownership matrix",
    "records:write": "Write master-data records (held to the ownership matrix)",
    "order-status:write": "Report order status (the ERP's webhook)",
    "inventory:write": "Report stock changes (the WMS's signed webhook)",
    "webhooks:read": "Read the log of webhooks the hub sent you",
    "webhooks:write": "Ask the hub to send a time range of webhooks again",
    "failures:read": "Read your rejected payloads and why",
}
ALL_SCOPES = frozenset(SCOPES)


def scopes_parse(text: str) -> list[str]:
    """Space-separated scope names, in order, without repeats; unknown names raise ValueError."""
    names = list(dict.fromkeys(text.split()))
    unknown = [name for name in names if name not in SCOPES]
    if unknown:
        raise ValueError(f"Unknown scope {', '.join(unknown)}; known: {', '.join(SCOPES)}.")
    return names


class PartnerClientScopes(BaseScopes):
    """django-oauth-toolkit's scope source: a client may have only what its row grants."""

    def get_all_scopes(self):
        return dict(SCOPES)

    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        return _granted(application)

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        # A client that asks for no scope gets all it was granted.
        return _granted(application)


def _granted(application) -> list[str]:
    client = getattr(application, "partner_client", None)
    if client is None or client.revoked_at is not None:
        return []
    return client.scope_list()
