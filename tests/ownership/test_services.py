from collections import Counter

import pytest

from apps.core.errors import ValidationFailed
from apps.ownership.models import BusinessOwner, FieldOwnership
from apps.ownership.registry import entity_fields
from apps.ownership.selectors import ownership_matrix_gaps
from apps.ownership.services import (
    RuleSpec,
    ownership_rule_delete,
    ownership_rule_save,
)
from apps.systems.models import System

pytestmark = pytest.mark.django_db


def systems(*codes: str) -> list[System]:
    return [System.objects.get(code=code) for code in codes]


def spec_of(rule: FieldOwnership, **changes) -> RuleSpec:
    """The row as it stands, with some of it changed."""
    current = {
        "entity": rule.entity,
        "field": rule.field,
        "owner_systems": [rule.owner_system],
        "may_create": list(rule.may_create.all()),
        "may_update": list(rule.may_update.all()),
        "consumers": list(rule.consumers.all()),
        "enforcement": rule.enforcement,
        "business_owner": rule.business_owner,
        "escalation_contact": rule.escalation_contact,
    }
    return RuleSpec(**(current | changes))


def row(entity: str, field: str) -> FieldOwnership:
    return FieldOwnership.objects.get(entity=entity, field=field)


def codes(related) -> list[str]:
    return sorted(system.code for system in related.all())


def test_seeded_matrix_covers_every_registry_field_exactly_once(cast):
    pairs = Counter(FieldOwnership.objects.values_list("entity", "field"))
    assert set(pairs) == set(entity_fields())
    assert set(pairs.values()) == {1}
    assert ownership_matrix_gaps() == []


def test_gaps_selector_lists_registry_fields_without_a_row(cast):
    FieldOwnership.objects.filter(entity="credit_limit", field="hold").delete()
    assert ownership_matrix_gaps() == [("credit_limit", "hold")]


def test_admin_changes_owner_and_readers_and_history_names_them(cast):
    rule = row("company_account", "status")
    changed = ownership_rule_save(
        actor=cast.user("admin"),
        rule=rule,
        spec=spec_of(rule, owner_systems=systems("crm"), consumers=systems("erp", "storefront")),
    )
    changed.refresh_from_db()
    assert changed.owner_system.code == "crm"
    assert codes(changed.consumers) == ["erp", "storefront"]
    latest = changed.history.latest()
    assert latest.history_user == cast.user("admin")
    assert latest.history_type == "~"
    assert sorted(r.system.code for r in latest.consumers.all()) == ["erp", "storefront"]


def test_one_change_writes_one_history_record_with_the_whole_change(cast):
    rule = row("product", "name")
    before = rule.history.count()
    ownership_rule_save(
        actor=cast.user("admin"),
        rule=rule,
        spec=spec_of(rule, may_update=systems("erp"), enforcement="quarantine"),
    )
    assert rule.history.count() == before + 1
    assert [r.system.code for r in rule.history.latest().may_update.all()] == ["erp"]


def test_row_for_a_gap_is_created(cast):
    FieldOwnership.objects.filter(entity="credit_limit", field="hold").delete()
    created = ownership_rule_save(
        actor=cast.user("admin"),
        spec=RuleSpec(
            entity="credit_limit",
            field="hold",
            owner_systems=systems("erp"),
            consumers=systems("storefront"),
            business_owner=BusinessOwner.objects.get(user__username="credit"),
        ),
    )
    assert ownership_matrix_gaps() == []
    assert created.history.latest().history_type == "+"


def test_row_without_owner_is_refused_naming_the_field(cast):
    rule = row("contract_price", "unit_price")
    with pytest.raises(ValidationFailed, match=r"contract_price\.unit_price would have no owner"):
        ownership_rule_save(
            actor=cast.user("admin"), rule=rule, spec=spec_of(rule, owner_systems=[])
        )
    assert row("contract_price", "unit_price").owner_system.code == "erp"


def test_two_owner_systems_are_refused(cast):
    rule = row("contract_price", "unit_price")
    with pytest.raises(ValidationFailed, match=r"unit_price would have two owners \(erp, pim\)"):
        ownership_rule_save(
            actor=cast.user("admin"),
            rule=rule,
            spec=spec_of(rule, owner_systems=systems("erp", "pim")),
        )


def test_second_row_for_the_same_field_is_refused(cast):
    rule = row("invoice", "amount")
    with pytest.raises(ValidationFailed, match=r"invoice\.amount would have two owners.*erp"):
        ownership_rule_save(
            actor=cast.user("admin"), spec=spec_of(rule, owner_systems=systems("crm"))
        )
    assert FieldOwnership.objects.filter(entity="invoice", field="amount").count() == 1


def test_owner_also_listed_as_consumer_is_refused(cast):
    rule = row("inventory", "on_hand")
    with pytest.raises(ValidationFailed, match=r"inventory\.on_hand would have two owners: wms"):
        ownership_rule_save(
            actor=cast.user("admin"),
            rule=rule,
            spec=spec_of(rule, consumers=systems("storefront", "wms")),
        )
    assert codes(row("inventory", "on_hand").consumers) == ["erp", "storefront"]


def test_writer_may_also_read(cast):
    rule = row("order", "status")
    ownership_rule_save(
        actor=cast.user("admin"),
        rule=rule,
        spec=spec_of(rule, may_update=systems("storefront"), consumers=systems("storefront")),
    )
    assert codes(row("order", "status").may_update) == ["storefront"]


def test_field_not_in_registry_is_refused(cast):
    spec = spec_of(row("product", "name"), field="colour")
    with pytest.raises(ValidationFailed, match=r"product\.colour is not a field in the registry"):
        ownership_rule_save(actor=cast.user("admin"), spec=spec)
    assert not FieldOwnership.objects.filter(field="colour").exists()


def test_moving_a_row_to_another_field_is_refused(cast):
    FieldOwnership.objects.filter(entity="credit_limit", field="hold").delete()
    rule = row("credit_limit", "limit")
    with pytest.raises(ValidationFailed, match=r"leave credit_limit\.limit with no owner"):
        ownership_rule_save(actor=cast.user("admin"), rule=rule, spec=spec_of(rule, field="hold"))


def test_unknown_enforcement_and_missing_business_owner_are_refused(cast):
    rule = row("payment", "amount")
    with pytest.raises(ValidationFailed, match="enforcement must be one of ignore, quarantine"):
        ownership_rule_save(actor=None, rule=rule, spec=spec_of(rule, enforcement="shout"))
    with pytest.raises(ValidationFailed, match=r"payment\.amount needs a business owner"):
        ownership_rule_save(actor=None, rule=rule, spec=spec_of(rule, business_owner=None))


def test_deleting_a_registry_fields_row_is_refused(cast):
    rule = row("refund", "amount")
    with pytest.raises(ValidationFailed, match=r"leave refund\.amount with no owner"):
        ownership_rule_delete(actor=cast.user("admin"), rule=rule)
    assert FieldOwnership.objects.filter(pk=rule.pk).exists()


def test_row_left_over_from_a_field_the_registry_dropped_may_be_deleted(cast):
    rule = row("refund", "amount")
    stale = FieldOwnership.objects.create(
        entity="refund",
        field="legacy_note",
        owner_system=rule.owner_system,
        business_owner=rule.business_owner,
    )
    pk = stale.pk
    ownership_rule_delete(actor=cast.user("admin"), rule=stale)
    assert not FieldOwnership.objects.filter(pk=pk).exists()
    deleted = FieldOwnership.history.filter(id=pk).latest()
    assert (deleted.history_type, deleted.history_user) == ("-", cast.user("admin"))
