"""The partner's system and its SKU rule, kept in memory with the credential's read, are never
stale: any change to either, however made, is seen by the next request
(apps/api/services.py, apps/exchange/config_cache.py, migration exchange 0009)."""

import importlib
from types import SimpleNamespace

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from apps.api.services import partner_token_read
from apps.catalog.models import SkuRule
from apps.exchange.models import ConfigVersion
from apps.systems.models import System
from tests.api.partner_world import client_for
from tests.conftest import payload

pytestmark = pytest.mark.django_db


def post(token: str, key: str, prefix: str = ""):
    body = payload("order_storefront_cases.json") | {"po_number": f"PO-{key}"}
    body["lines"] = [line | {"sku": f"{prefix}{line['sku']}"} for line in body["lines"]]
    return client_for(token).post("/api/v1/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def version() -> str:
    return ConfigVersion.objects.get(pk=1).token


def storefront() -> System:
    return System.objects.get(code="storefront")


def sql(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.fixture
def rule(cast):
    """A SKU rule with no prefix to drop, read and kept by a first order."""
    rule = SkuRule.objects.create(system=storefront(), strip_prefix="")
    assert post(cast.token, "warm").status_code == 201
    # The kept rule drops no prefix: "SF-" SKUs are unknown.
    assert post(cast.token, "prefixed-before", prefix="SF-").status_code == 400
    return rule


def save(rule):
    rule.strip_prefix = "SF-"
    rule.save()


@pytest.mark.parametrize(
    "change",
    [
        save,
        lambda rule: SkuRule.objects.filter(pk=rule.pk).update(strip_prefix="SF-"),
        lambda rule: sql('UPDATE "catalog_skurule" SET "strip_prefix" = %s', ["SF-"]),
    ],
    ids=["orm-save", "queryset-update", "raw-sql"],
)
def test_a_sku_rule_change_is_seen_by_the_next_order(cast, rule, change):
    change(rule)
    answer = post(cast.token, "prefixed-after", prefix="SF-")
    assert answer.status_code == 201, answer.content


@pytest.mark.parametrize(
    "removal",
    [
        lambda rule: rule.delete(),
        lambda rule: sql('DELETE FROM "catalog_skurule"'),
    ],
    ids=["orm-delete", "raw-sql"],
)
def test_a_sku_rule_removed_is_seen_by_the_next_order(cast, removal):
    rule = SkuRule.objects.create(system=storefront(), strip_prefix="SF-")
    assert post(cast.token, "prefixed-before", prefix="SF-").status_code == 201
    removal(rule)
    assert post(cast.token, "prefixed-after", prefix="SF-").status_code == 400


def test_the_kept_rule_serves_while_the_version_is_unchanged(cast, rule):
    # The other half of the proof above: the version, not a fresh read, made the difference.
    kept = version()
    sql('UPDATE "catalog_skurule" SET "strip_prefix" = %s', ["SF-"])
    ConfigVersion.objects.filter(pk=1).update(token=kept)
    assert post(cast.token, "prefixed-after", prefix="SF-").status_code == 400


def test_an_order_reads_neither_the_system_nor_its_rule_once_kept(cast, rule):
    with CaptureQueriesContext(connection) as captured:
        assert post(cast.token, "kept").status_code == 201
    statements = [query["sql"] for query in captured.captured_queries]
    assert not [s for s in statements if 'FROM "catalog_skurule"' in s]
    assert not [s for s in statements if '"systems_system"."auth_token"' in s]


def test_a_new_sku_rule_gives_a_new_version(cast):
    before = version()
    with transaction.atomic():
        SkuRule.objects.create(system=storefront(), strip_prefix="X")
    assert version() != before


@pytest.mark.parametrize(
    "change",
    [
        lambda: SkuRule.objects.filter(system__code="storefront").update(uppercase=False),
        lambda: sql('UPDATE "catalog_skurule" SET "strip_characters" = %s', ["-"]),
        lambda: SkuRule.objects.filter(system__code="storefront").delete(),
        lambda: sql('DELETE FROM "catalog_skurule"'),
    ],
    ids=["update", "raw-sql-update", "delete", "raw-sql-delete"],
)
def test_every_change_to_a_sku_rule_gives_a_new_version(cast, change):
    SkuRule.objects.create(system=storefront(), strip_prefix="SF-")
    before = version()
    with transaction.atomic():
        change()
    assert version() != before


def deactivated_by_sql():
    sql(
        'UPDATE "systems_system" SET "is_active" = %s WHERE "code" = %s',
        [False, "storefront"],
    )


def deactivated_version_kept():
    # The kept system still says active: only the credential's own check can refuse.
    kept = version()
    System.objects.filter(code="storefront").update(is_active=False)
    ConfigVersion.objects.filter(pk=1).update(token=kept)


@pytest.mark.parametrize(
    "deactivate",
    [
        lambda: System.objects.filter(code="storefront").update(is_active=False),
        deactivated_by_sql,
        deactivated_version_kept,
    ],
    ids=["queryset-update", "raw-sql", "version-unchanged"],
)
def test_a_deactivated_partner_is_refused_its_next_request(cast, rule, deactivate):
    deactivate()
    assert post(cast.token, "after").status_code == 401


def test_a_deactivated_partner_saved_in_the_admin_is_refused_its_next_request(cast, rule):
    system = storefront()
    system.is_active = False
    system.save()
    assert post(cast.token, "after").status_code == 401


def test_the_order_path_leaves_the_kept_system_and_rule_as_it_found_them(cast, rule):
    kept, _ = partner_token_read(key=cast.token)
    before = (_state(kept), _state(kept.skurule))
    assert post(cast.token, "another").status_code == 201
    assert post(cast.token, "refused", prefix="SF-").status_code == 400
    client_for(cast.token).get("/api/v1/orders/")
    again, _ = partner_token_read(key=cast.token)
    assert again is kept
    assert (_state(kept), _state(kept.skurule)) == before


def _state(instance) -> tuple:
    values = {k: v for k, v in vars(instance).items() if k != "_state"}
    return values, sorted(instance._state.fields_cache)


def test_the_migration_installs_and_removes_the_sku_rule_triggers(cast):
    migration = importlib.import_module("apps.exchange.migrations.0009_auth_skurule_watched")
    editor = SimpleNamespace(connection=connection, execute=lambda statement: sql(statement))
    SkuRule.objects.create(system=storefront(), strip_prefix="SF-")
    migration.triggers_drop(None, editor)
    before = version()
    SkuRule.objects.update(strip_prefix="X-")
    assert version() == before
    migration.triggers_create(None, editor)
    SkuRule.objects.update(strip_prefix="Y-")
    assert version() != before
