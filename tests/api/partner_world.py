"""Two partners for the API tests: the storefront (Northwind's accounts) and a marketplace
entitled only to Contoso, each with orders of its own."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from rest_framework.test import APIClient

from apps.accounts.models import AccountEntitlement, CompanyAccount
from apps.api.services import partner_token_issue
from apps.orders.models import Order
from apps.orders.services import order_transition
from apps.ownership.models import FieldOwnership
from apps.systems.models import System
from tests.conftest import payload


def client_for(token: str, scheme: str = "Token") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{scheme} {token}")
    return client


def marketplace() -> tuple[System, str]:
    """A second partner, entitled to Contoso only; returns it and a token."""
    system, _ = System.objects.get_or_create(
        code="marketplace", defaults={"name": "Marketplace", "kind": "marketplace"}
    )
    AccountEntitlement.objects.get_or_create(
        system=system, account=CompanyAccount.objects.get(number="CT-2001")
    )
    storefront = System.objects.get(code="storefront")
    # The storefront's roles in the matrix, so only entitlements tell the two apart.
    for rule in FieldOwnership.objects.all():
        for relation in (rule.may_create, rule.may_update, rule.consumers):
            if relation.filter(pk=storefront.pk).exists():
                relation.add(system)
    return system, partner_token_issue(partner_code="marketplace")


CONTOSO_ORDER = {
    "account": "CT-2001",
    "lines": [{"sku": "ACME-NUT-M8", "quantity": "100", "uom": "EA", "unit_price": "0.12"}],
}


def order_post(client: APIClient, key: str, **changes) -> dict:
    body = payload("order_storefront_cases.json") | changes
    response = client.post("/api/v1/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code in (201, 202), response.content
    return response.json()


def order_to(number: str, status: str) -> Order:
    order = Order.objects.get(number=number)
    return order_transition(order=order, from_statuses=[order.status], to_status=status)


class Receiver:
    """A real HTTP endpoint on loopback that records what it gets; answers `statuses` in turn."""

    def __init__(self, statuses=(204,)):
        self.calls: list[dict] = []
        self.statuses = list(statuses)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls.append({"headers": dict(self.headers), "body": body})
                status = (
                    receiver.statuses.pop(0) if len(receiver.statuses) > 1 else receiver.statuses[0]
                )
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps({"ok": status < 300}).encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/hub"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
