import pytest
import requests


@pytest.fixture(autouse=True)
def _no_grace(settings):
    """Every record counts at once: tests do not wait out the in-flight grace period."""
    settings.HUB_RECONCILE_GRACE_SECONDS = 0


class Sandbox:
    """The sandbox systems over HTTP, as a person injecting faults would reach them."""

    def __init__(self, url: str):
        self.url = url

    def post(self, path: str, body: dict | None = None) -> dict:
        response = requests.post(f"{self.url}/sandbox/{path}", json=body or {}, timeout=15)
        assert response.status_code < 300, response.text
        return response.json()

    def capture(self, order: str, amount: str) -> str:
        return self.post("gateway/captures/", {"order": order, "amount": amount})["reference"]

    def refund(self, order: str, amount: str) -> str:
        return self.post("gateway/refunds/", {"order": order, "amount": amount})["reference"]

    def ledger_fault(self, **spec) -> None:
        self.post("erp/ledger/faults/", spec)


@pytest.fixture
def sandbox(live_cast):
    return Sandbox(live_cast.url)
