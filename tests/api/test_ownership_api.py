import pytest
from rest_framework.test import APIClient

from apps.ownership.models import FieldOwnership
from apps.ownership.registry import entity_fields

pytestmark = pytest.mark.django_db


def get(cast, **params):
    return APIClient().get("/api/v1/ownership/", params, **cast.auth())


def test_partner_reads_the_whole_matrix(cast):
    response = get(cast)
    assert response.status_code == 200
    rows = response.json()
    assert len(rows) == len(entity_fields())
    assert {(r["entity"], r["field"]) for r in rows} == set(entity_fields())


def test_row_names_systems_by_code_and_who_decides(cast):
    rows = get(cast, entity="order_line", field="unit_price").json()
    assert rows == [
        {
            "entity": "order_line",
            "field": "unit_price",
            "owner_system": "erp",
            "may_create": [],
            "may_update": [],
            "consumers": ["storefront"],
            "enforcement": "quarantine",
            "business_owner": {"name": "Priya Pricing", "email": "priya@example.com"},
            "escalation_contact": "pricing-lead@example.com",
        }
    ]


def test_rows_own_escalation_contact_wins_over_the_owners(cast):
    FieldOwnership.objects.filter(entity="order_line", field="unit_price").update(
        escalation_contact="price-desk@example.com"
    )
    row = get(cast, entity="order_line", field="unit_price").json()[0]
    assert row["escalation_contact"] == "price-desk@example.com"


def test_filter_by_entity_gives_each_of_its_fields(cast):
    rows = get(cast, entity="company_account").json()
    fields = [field for entity, field in entity_fields() if entity == "company_account"]
    assert sorted(r["field"] for r in rows) == sorted(fields)
    owners = {r["field"]: r["owner_system"] for r in rows}
    assert owners["name"] == "crm" and owners["status"] == "erp"


def test_filter_by_field_across_entities(cast):
    rows = get(cast, field="status").json()
    assert rows and {r["field"] for r in rows} == {"status"}
    assert len({r["entity"] for r in rows}) == len(rows)


def test_unknown_entity_gives_an_empty_list(cast):
    response = get(cast, entity="spaceship")
    assert (response.status_code, response.json()) == (200, [])


def test_missing_token_is_401_with_error_body(cast):
    response = APIClient().get("/api/v1/ownership/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
