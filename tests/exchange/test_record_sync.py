"""Every canonical entity: one allowed write, and one refused write in each enforcement mode."""

import json

import pytest
from django.apps import apps
from rest_framework.test import APIClient

from apps.api.services import partner_token_issue
from apps.exchange.models import TraceEvent
from apps.ownership.models import FieldOwnership
from apps.ownership.registry import ENTITIES
from apps.quarantine.models import QuarantineItem
from tests.conftest import PAYLOADS
from tests.exchange.test_validation import receive

pytestmark = pytest.mark.django_db
SAMPLES = json.loads((PAYLOADS / "records.json").read_text())


class World:
    """The seeded cast, one order placed by the storefront, and a token per system."""

    def __init__(self, cast):
        self.order = receive(cast, "order_storefront_cases.json")["number"]
        self.tokens = {}

    def write(self, system: str, entity: str, key: dict, fields: dict, external_id=None):
        token = self.tokens.setdefault(system, partner_token_issue(partner_code=system))
        body = {"key": self._fill(key), "fields": self._fill(fields)}
        if external_id:
            body["external_id"] = external_id
        return APIClient().post(
            f"/api/v1/records/{entity}/",
            body,
            format="json",
            HTTP_AUTHORIZATION=f"Token {token}",
            HTTP_IDEMPOTENCY_KEY=f"{system}-{entity}-{json.dumps(body)}"[:200],
        )

    def create(self, entity: str):
        sample = SAMPLES[entity]
        for needed in sample.get("needs", []):
            self.create(needed)
        response = self.write(sample["writer"], entity, sample["key"], sample["fields"])
        assert response.status_code in (200, 201), response.content
        return response

    def stored(self, entity: str):
        spec = ENTITIES[entity]
        lookup = {}
        for name, value in self._fill(SAMPLES[entity]["key"]).items():
            lookup[name + ("__" + spec.refs[name][1] if name in spec.refs else "")] = value
        return apps.get_model(spec.model).objects.get(**lookup)

    def _fill(self, data: dict) -> dict:
        return {k: self.order if v == "{order}" else v for k, v in data.items()}


@pytest.fixture
def world(cast):
    return World(cast)


def shown(instance, name: str, spec):
    value = getattr(instance, name)
    if name in spec.refs:
        return getattr(value, spec.refs[name][1])
    field = instance._meta.get_field(name)
    return field.value_to_string(instance) if field.get_internal_type() != "JSONField" else value


def expected(instance, name, sample_value):
    field = instance._meta.get_field(name)
    if field.is_relation or field.get_internal_type() == "JSONField":
        return sample_value
    return field.value_to_string(type(instance)(**{name: field.to_python(sample_value)}))


@pytest.mark.parametrize("entity", sorted(ENTITIES))
def test_owner_write_is_applied_with_history(world, entity):
    response = world.create(entity)
    body = response.json()
    assert body["ignored"] == [] and body["quarantined"] == []
    record = world.stored(entity)
    spec = ENTITIES[entity]
    for name, value in SAMPLES[entity]["fields"].items():
        assert shown(record, name, spec) == expected(record, name, world._fill({name: value})[name])
    assert record.history.exists()


def _refused(world, entity: str, mode: str):
    sample = SAMPLES[entity]
    world.create(entity)
    [(name, value)] = sample["change"].items()
    rule = FieldOwnership.objects.get(entity=entity, field=name)
    FieldOwnership.objects.filter(pk=rule.pk).update(enforcement=mode)
    before = shown(world.stored(entity), name, ENTITIES[entity])
    response = world.write(sample["intruder"], entity, sample["key"], {name: value})
    assert shown(world.stored(entity), name, ENTITIES[entity]) == before
    return response, rule, name


@pytest.mark.parametrize("entity", sorted(ENTITIES))
def test_non_owner_write_ignored_owner_value_stands(world, entity):
    response, rule, name = _refused(world, entity, "ignore")
    assert response.status_code == 200, response.content
    [ignored] = response.json()["ignored"]
    assert ignored["field"] == name and ignored["owner_system"] == rule.owner_system.code
    note = TraceEvent.objects.filter(subject_type=entity, stage="validate").last()
    assert f"ignored {name}" in note.message and note.outcome == "note"
    assert not QuarantineItem.objects.filter(subject_type=entity).exists()


@pytest.mark.parametrize("entity", sorted(ENTITIES))
def test_non_owner_write_quarantined_for_the_business_owner(world, entity):
    response, rule, name = _refused(world, entity, "quarantine")
    assert response.status_code == 202, response.content
    [held] = response.json()["quarantined"]
    assert held["business_owner"] == rule.business_owner.name
    item = QuarantineItem.objects.get(subject_type=entity, reason_code="ownership_refused")
    assert item.assigned_owner == rule.business_owner
    assert item.problems[0]["field"] == name
