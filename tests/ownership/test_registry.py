"""The registry is declared by the entity apps and complete once they are ready."""

import dataclasses
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from apps.ownership import registry
from apps.ownership.forms import FieldOwnershipForm
from apps.ownership.registry import ENTITIES, entities_of_model, entity_register
from apps.ownership.selectors import ownership_matrix_gaps

OWNERSHIP = Path(registry.__file__).parent
ENTITY_APPS = ["catalog", "accounts", "pricing", "orders", "fulfillment"]


def test_every_canonical_entity_is_registered_after_start_up():
    assert len(ENTITIES) == 25
    assert {"product", "contract_price", "order_line", "refund"} <= set(ENTITIES)


@pytest.mark.parametrize("name", sorted(ENTITIES))
def test_each_entity_is_declared_by_the_app_of_its_model_with_that_apps_service(name):
    spec = ENTITIES[name]
    app_label = spec.model.split(".")[0]
    assert spec in apps.get_app_config(app_label).module.ownership.ENTITIES
    assert spec.write.__module__ == f"apps.{app_label}.services"
    assert set(spec.key) | set(spec.fields) <= {
        field.name for field in apps.get_model(spec.model)._meta.concrete_fields
    }


def test_ownership_names_no_model_of_the_entity_apps():
    upward = re.compile(rf"\b({'|'.join(ENTITY_APPS)})\.[A-Z]|apps\.({'|'.join(ENTITY_APPS)})\b")
    for module in OWNERSHIP.glob("*.py"):
        assert not upward.search(module.read_text()), module.name


@pytest.mark.django_db
def test_every_registered_entity_has_matrix_rows(cast):
    assert ownership_matrix_gaps() == []


def test_matrix_editor_offers_every_registered_entity():
    # The admin imports the form before the entity apps register: choices are read late.
    offered = [value for value, _ in FieldOwnershipForm.base_fields["entity"].choices]
    assert offered == list(ENTITIES)


def test_one_model_may_hold_several_entities_in_declaration_order():
    names = [spec.name for spec in entities_of_model("accounts.CompanyAccount")]
    assert names == ["company_account", "account_hierarchy"]


def test_registering_the_same_declaration_again_changes_nothing():
    # Some test runners call ready() twice; that must not refuse start-up or reorder.
    order, spec = list(ENTITIES), ENTITIES["product"]
    entity_register(dataclasses.replace(spec))
    assert list(ENTITIES) == order and ENTITIES["product"] == spec


def test_a_second_different_declaration_of_a_name_is_refused():
    changed = dataclasses.replace(ENTITIES["product"], fields=("name",))
    with pytest.raises(ImproperlyConfigured):
        entity_register(changed)
    assert ENTITIES["product"].fields != ("name",)


def test_a_declaration_without_a_write_service_is_refused():
    with pytest.raises(ImproperlyConfigured):
        entity_register(registry.EntitySpec("spaceship", "catalog.Spaceship", ("code",), ()))
    assert "spaceship" not in ENTITIES
