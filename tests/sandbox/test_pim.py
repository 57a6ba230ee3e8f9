"""The sandbox PIM's catalog pages and the bulk updates simulated systems log."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.sandbox.models import PimProduct, SandboxBulkReceipt
from apps.sandbox.pim import pim_populate

pytestmark = pytest.mark.django_db


def test_the_catalog_comes_in_cursor_pages_until_one_has_no_next_cursor(client):
    pim_populate(products=25, bad_share=0)
    seen, cursor, pages = [], "", 0
    while True:
        page = client.get("/sandbox/pim/products/", {"limit": 10, "cursor": cursor}).json()
        seen += [p["sku"] for p in page["products"]]
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert pages == 3 and len(seen) == 25 == len(set(seen))


def test_the_first_page_says_the_total_and_updated_since_keeps_only_changes(client):
    pim_populate(products=30, bad_share=0)
    later = timezone.now() + timedelta(seconds=1)
    PimProduct.objects.filter(sku__in=["PIM-000003", "PIM-000017"]).update(updated_at=later)

    page = client.get("/sandbox/pim/products/", {"updated_since": later.isoformat()}).json()

    assert page["total"] == 2 and page["next_cursor"] == ""
    assert [p["sku"] for p in page["products"]] == ["PIM-000003", "PIM-000017"]


@pytest.mark.parametrize(
    "query", [{"limit": 0}, {"limit": "x"}, {"cursor": "nope"}, {"updated_since": "soon"}]
)
def test_a_page_request_it_cannot_serve_is_refused_with_a_reason(client, query):
    answer = client.get("/sandbox/pim/products/", query)
    assert answer.status_code == 400 and answer.json()["error"]


def test_the_populate_command_makes_each_kind_of_bad_record(client):
    call_command("sandbox_pim", "--products", "400", "--bad-share", "0.2")
    assert PimProduct.objects.count() == 400
    assert PimProduct.objects.filter(name="").exists()
    assert PimProduct.objects.filter(unit="ZZ").exists()
    assert PimProduct.objects.filter(sku__endswith=" ").exists()
    assert any("brand" not in a for a in PimProduct.objects.values_list("attributes", flat=True))


def test_touch_changes_the_share_asked_for_now():
    pim_populate(products=200, bad_share=0)
    before = timezone.now()
    call_command("sandbox_pim", "--touch", "5")
    assert PimProduct.objects.filter(updated_at__gte=before).count() == 10


def test_a_bulk_update_is_logged_once_per_idempotency_key(client):
    body = {"products": [{"sku": "A-1", "name": "A"}, {"sku": "B-2", "name": "B"}]}
    for _ in range(2):
        answer = client.post(
            "/sandbox/storefront/bulk/products/",
            body,
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY="page-1",
        )
        assert answer.status_code == 200 and answer.json()["received"] == 2
    receipt = SandboxBulkReceipt.objects.get()
    assert (receipt.system, receipt.kind, receipt.keys) == (
        "storefront",
        "products",
        ["A-1", "B-2"],
    )
    listed = client.get("/sandbox/storefront/bulk/products/").json()["received"]
    assert listed == [{"count": 2, "keys": ["A-1", "B-2"], "key": "page-1"}]


def test_a_bulk_update_in_the_wrong_shape_is_refused(client):
    answer = client.post(
        "/sandbox/storefront/bulk/products/", {"products": "x"}, content_type="application/json"
    )
    assert answer.status_code == 400
    assert not SandboxBulkReceipt.objects.exists()


def test_the_pim_answers_500_after_the_pages_it_was_told_to_serve(client):
    pim_populate(products=5, bad_share=0)
    client.post(
        "/sandbox/pim/faults/", {"status": 500, "after": 1}, content_type="application/json"
    )
    assert client.get("/sandbox/pim/products/").status_code == 200
    assert client.get("/sandbox/pim/products/").status_code == 500
