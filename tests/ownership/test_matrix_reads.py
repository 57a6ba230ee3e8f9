"""The matrix is read once per write, never cached across writes: a change counts at once."""

import pytest
from rest_framework.test import APIClient

from apps.api.services import partner_token_issue
from apps.catalog.models import Product
from apps.ownership.models import FieldOwnership
from apps.ownership.services import (
    OwnershipRuleMissing,
    ownership_decide_write,
    ownership_decide_writes,
    ownership_decision_of,
    ownership_rule_save,
    ownership_writer_matrix,
)
from apps.systems.models import System
from tests.ownership.test_services import spec_of

pytestmark = pytest.mark.django_db


def write_name(token: str, name: str):
    return APIClient().post(
        "/api/v1/records/product/",
        {"key": {"sku": "ACME-BOLT-M8"}, "fields": {"name": name}},
        format="json",
        HTTP_AUTHORIZATION=f"Token {token}",
        HTTP_IDEMPOTENCY_KEY=f"matrix-{name}",
    )


def test_a_matrix_change_is_seen_by_the_next_write(cast):
    erp = System.objects.get(code="erp")
    rule = FieldOwnership.objects.get(entity="product", field="name")
    assert rule.owner_system != erp
    ownership_rule_save(actor=None, rule=rule, spec=spec_of(rule, enforcement="ignore"))
    token = partner_token_issue(partner_code="erp")
    refused = write_name(token, "First try")
    assert refused.json()["ignored"][0]["field"] == "name"
    ownership_rule_save(actor=None, rule=rule, spec=spec_of(rule, may_update=[erp]))
    allowed = write_name(token, "Second try")
    assert allowed.status_code == 200 and allowed.json()["applied"] == ["name"]
    assert Product.objects.get(sku="ACME-BOLT-M8").name == "Second try"
    ownership_rule_save(actor=None, rule=rule, spec=spec_of(rule, may_update=[]))
    assert write_name(token, "Third try").json()["ignored"][0]["field"] == "name"


def test_every_field_of_an_entity_is_decided_in_one_query(cast, django_assert_num_queries):
    pim = System.objects.get(code="pim")
    with django_assert_num_queries(1):
        decisions = ownership_decide_writes(entity="product", system=pim, creating=True)
        assert {name for name, decision in decisions.items() if decision.allowed} >= {
            "name",
            "uom",
        }
        [rule.business_owner.name for rule in (d.rule for d in decisions.values())]


@pytest.mark.parametrize("creating", [True, False])
def test_one_field_decision_agrees_with_the_row_for_every_system(cast, creating):
    for rule in FieldOwnership.objects.all():
        for system in System.objects.all():
            decision = ownership_decide_write(
                entity=rule.entity, field=rule.field, system=system, creating=creating
            )
            assert decision.allowed == rule.may_write(system, creating=creating), (rule, system)


@pytest.mark.parametrize("creating", [True, False])
def test_the_writer_matrix_agrees_with_the_rows_in_one_query(
    cast, creating, django_assert_num_queries
):
    systems = list(System.objects.all())
    for entity in set(FieldOwnership.objects.values_list("entity", flat=True)):
        rules = FieldOwnership.objects.filter(entity=entity).prefetch_related(
            "may_create", "may_update", "consumers"
        )
        for system in systems:
            with django_assert_num_queries(1):
                matrix = ownership_writer_matrix(entity=entity, system=system)
            roles = any(
                rule.owner_system_id == system.pk
                or system in [*rule.may_create.all(), *rule.may_update.all(), *rule.consumers.all()]
                for rule in rules
            )
            assert matrix.has_role() == roles, (entity, system)
            for rule in rules:
                decision = matrix.decide(field=rule.field, creating=creating)
                assert decision.allowed == rule.may_write(system, creating=creating)


def test_a_field_with_no_matrix_row_is_refused_as_a_configuration_error(cast):
    pim = System.objects.get(code="pim")
    FieldOwnership.objects.filter(entity="product", field="name").delete()
    decisions = ownership_decide_writes(entity="product", system=pim, creating=True)
    with pytest.raises(OwnershipRuleMissing):
        ownership_decision_of(decisions, entity="product", field="name")
    with pytest.raises(OwnershipRuleMissing):
        ownership_decide_write(entity="product", field="name", system=pim, creating=True)
    with pytest.raises(OwnershipRuleMissing):
        ownership_writer_matrix(entity="product", system=pim).decide(field="name", creating=True)
