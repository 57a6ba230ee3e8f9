"""A schema or mapping change is held until the owner reviews it, and names what it reaches."""

import pytest
from django.test import Client

from apps.core.errors import InvalidTransition, PermissionRefused, ValidationFailed
from apps.flows.models import Flow
from apps.monitoring.changes import change_impact, schema_change_review
from apps.monitoring.choices import ChangeStatus
from apps.monitoring.models import SchemaChange
from tests.exchange.test_validation import receive

pytestmark = pytest.mark.django_db


def edit(code: str, **versions) -> Flow:
    """As the admin's flow form would: set the field and save."""
    flow = Flow.objects.get(code=code)
    for name, value in versions.items():
        setattr(flow, name, value)
    flow.save()
    return flow


def test_impact_lists_downstream_flows_partners_and_owners(cast):
    receive(cast, "order_storefront_cases.json")
    impact = change_impact(flow=Flow.objects.get(code="order-capture"))
    assert impact["downstream_flows"] == [
        "invoice",
        "order-status",
        "price-list-sync",
        "returns-refunds",
        "ship-notice",
    ]
    assert impact["partners"] == ["erp", "storefront", "wms"]
    names = [owner["name"] for owner in impact["owners"]]
    assert {"Otto Orderdesk", "Priya Pricing", "Lou Logistics", "Fay Finance"} == set(names)


def test_a_flow_with_no_target_reaches_no_other_flow(cast):
    impact = change_impact(flow=Flow.objects.get(code="record-sync"))
    assert impact["downstream_flows"] == [] and impact["owners"][0]["name"] == "Ida Integration"


def test_editing_the_version_holds_it_as_pending_until_the_owner_approves(cast):
    edit("order-capture", mapping_version="2")
    flow = Flow.objects.get(code="order-capture")
    assert flow.mapping_version == "1"  # not active yet
    change = SchemaChange.objects.get(flow=flow, status=ChangeStatus.PENDING)
    assert (change.field, change.from_version, change.to_version) == ("mapping_version", "1", "2")
    assert "order-status" in change.impact["downstream_flows"]
    with pytest.raises(PermissionRefused, match="Otto Orderdesk"):
        schema_change_review(change=change, actor=cast.user("pricing"), approve=True)
    schema_change_review(change=change, actor=cast.user("orderdesk"), approve=True, note="ok")
    flow.refresh_from_db()
    assert flow.mapping_version == "2"
    assert SchemaChange.objects.get(pk=change.pk).reviewed_by == cast.user("orderdesk")
    with pytest.raises(InvalidTransition):
        schema_change_review(change=change, actor=cast.user("orderdesk"), approve=True)


def test_a_schema_version_without_its_file_cannot_be_approved(cast):
    edit("inventory-update", schema_version="7")
    change = SchemaChange.objects.get(status=ChangeStatus.PENDING)
    with pytest.raises(ValidationFailed, match="inventory-update-v7.json"):
        schema_change_review(change=change, actor=cast.user("admin"), approve=True)
    assert Flow.objects.get(code="inventory-update").schema_version == "1"


def test_refused_change_leaves_the_flow_on_its_version(cast):
    edit("inventory-update", schema_version="7")
    change = SchemaChange.objects.get(status=ChangeStatus.PENDING)
    schema_change_review(change=change, actor=cast.user("admin"), approve=False, note="no")
    assert Flow.objects.get(code="inventory-update").schema_version == "1"
    assert SchemaChange.objects.get(pk=change.pk).status == ChangeStatus.REFUSED


def test_other_edits_of_the_flow_open_no_change(cast):
    edit("order-capture", max_attempts=5)
    assert not SchemaChange.objects.exists()
    assert Flow.objects.get(code="order-capture").max_attempts == 5


def test_owner_reviews_on_the_change_page(cast):
    edit("order-capture", schema_version="3")
    change = SchemaChange.objects.get()
    otto = Client()
    otto.force_login(cast.user("orderdesk"))
    page = otto.get(f"/ops/changes/{change.pk}/").content.decode()
    assert "Lou Logistics" in page and "ship-notice" in page
    otto.post(f"/ops/changes/{change.pk}/", {"decision": "refuse", "note": "not yet"})
    assert SchemaChange.objects.get().status == ChangeStatus.REFUSED
