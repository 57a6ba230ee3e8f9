"""Upserts of products and inventory: one at a time and a page at a time, always with history."""

import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction

from apps.catalog.models import InventoryLevel, Product
from apps.catalog.services import (
    inventory_level_upsert,
    inventory_levels_upsert_bulk,
    product_upsert,
    products_upsert_bulk,
)
from apps.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db


def page(count: int, name: str = "Part") -> list[dict]:
    return [{"sku": f"BULK-{n:04d}", "name": f"{name} {n}", "uom": "EA"} for n in range(count)]


def test_product_upsert_creates_with_history_naming_person_and_reason(cast):
    person = cast.user("admin")
    product = product_upsert(
        key={"sku": "ACME-WASHER-M8"},
        values={"name": "Washer M8", "attributes": {"material": "zinc"}},
        actor=person,
        reason="first sight",
    )
    [record] = product.history.all()
    assert record.history_type == "+" and record.name == "Washer M8"
    assert record.history_user == person and record.history_change_reason == "first sight"


def test_product_upsert_changes_the_row_its_key_names(cast):
    product = product_upsert(key={"sku": "ACME-BOLT-M8"}, values={"name": "Bolt, renamed"})
    assert Product.objects.get(sku="ACME-BOLT-M8").name == "Bolt, renamed"
    assert product.history.first().history_type == "~"


def test_product_upsert_with_nothing_new_writes_no_history(cast):
    product = Product.objects.get(sku="ACME-BOLT-M8")
    before = product.history.count()
    product_upsert(key={"sku": product.sku}, values={"name": product.name, "uom": product.uom})
    assert product.history.count() == before


def test_product_upsert_refuses_an_invalid_value_naming_the_field(cast):
    with pytest.raises(ValidationFailed) as refused:
        product_upsert(key={"sku": "ACME-NEW"}, values={"name": "", "status": "gone"})
    assert set(refused.value.fields) == {"name", "status"}
    assert not Product.objects.filter(sku="ACME-NEW").exists()


def test_product_upsert_never_moves_a_record_to_another_key(cast):
    with pytest.raises(ValidationFailed) as refused:
        product_upsert(key={"sku": "ACME-BOLT-M8"}, values={"sku": "ACME-OTHER"})
    assert "sku" in refused.value.fields


def test_products_bulk_creates_200_rows_in_a_constant_number_of_queries(
    cast, django_assert_max_num_queries
):
    person = cast.user("admin")
    # SQLite takes at most 999 parameters a statement, so Django splits each insert into
    # batches by column count: 3 for the products, 4 for their history (one on PostgreSQL).
    with django_assert_max_num_queries(10):
        result = products_upsert_bulk(rows=page(200), actor=person, reason="nightly pull")
    assert (result.created, result.updated, result.unchanged) == (200, 0, 0)
    assert Product.history.filter(sku__startswith="BULK-", history_type="+").count() == 200
    record = Product.history.filter(sku="BULK-0007").get()
    assert record.history_user == person and record.history_change_reason == "nightly pull"


def test_products_bulk_updates_200_rows_in_a_constant_number_of_queries(
    cast, django_assert_max_num_queries
):
    products_upsert_bulk(rows=page(200))
    with django_assert_max_num_queries(8):
        result = products_upsert_bulk(rows=page(200, name="Renamed"))
    assert (result.created, result.updated) == (0, 200)
    assert Product.objects.get(sku="BULK-0199").name == "Renamed 199"
    assert Product.history.filter(sku="BULK-0199", history_type="~").count() == 1


def test_products_bulk_counts_new_changed_and_unchanged_rows_and_keeps_their_order(cast):
    rows = [
        {"sku": "ACME-BOLT-M8", "name": "Bolt, renamed"},
        {"sku": "BULK-NEW", "name": "New"},
        {"sku": "ACME-NUT-M8", "name": Product.objects.get(sku="ACME-NUT-M8").name},
    ]
    nut_history = Product.history.filter(sku="ACME-NUT-M8").count()
    result = products_upsert_bulk(rows=rows)
    assert (result.created, result.updated, result.unchanged) == (1, 1, 1)
    assert [record.sku for record in result.records] == [row["sku"] for row in rows]
    assert Product.history.filter(sku="ACME-NUT-M8").count() == nut_history


def test_products_bulk_names_every_invalid_row_and_saves_none(cast):
    rows = [*page(3), {"sku": "BULK-BAD", "name": ""}, {"sku": "BULK-BAD2", "status": "x"}]
    rows[4]["name"] = "Fine name"
    with pytest.raises(ValidationFailed) as refused:
        products_upsert_bulk(rows=rows)
    assert set(refused.value.fields) == {"rows[3].name", "rows[4].status"}
    assert "2 of 5" in refused.value.message
    assert not Product.objects.filter(sku__startswith="BULK-").exists()


def test_products_bulk_refuses_one_key_twice(cast):
    with pytest.raises(ValidationFailed) as refused:
        products_upsert_bulk(rows=[*page(2), page(1, name="Again")[0]])
    assert list(refused.value.fields) == ["rows[2].key"]


def test_inventory_upsert_keys_on_product_and_location(cast):
    bolt = Product.objects.get(sku="ACME-BOLT-M8")
    key = {"product": bolt, "location": "DAYTON"}
    inventory_level_upsert(key=key, values={"on_hand": "10", "available": "8"})
    level = inventory_level_upsert(key=key, values={"available": "5"})
    assert InventoryLevel.objects.get(pk=level.pk).available == Decimal("5")
    assert level.history.count() == 2


def test_inventory_bulk_matches_composite_keys_in_a_constant_number_of_queries(
    cast, django_assert_max_num_queries
):
    products = list(Product.objects.all()[:3])
    rows = [
        {"product": product, "location": f"LOC-{n}", "on_hand": n, "available": n}
        for product in products
        for n in range(60)
    ]
    inventory_levels_upsert_bulk(rows=rows[:90])
    for row in rows:
        row["available"] = 0
    with django_assert_max_num_queries(10):
        result = inventory_levels_upsert_bulk(rows=rows)
    assert (result.created, result.updated, result.unchanged) == (90, 88, 2)  # two were 0
    assert InventoryLevel.objects.filter(available=0).count() == 180


def test_inventory_bulk_refuses_a_reference_that_is_not_a_product_row(cast):
    with pytest.raises(ValidationFailed) as refused:
        inventory_levels_upsert_bulk(rows=[{"product": "ACME-BOLT-M8", "location": "A"}])
    assert "rows[0].product" in refused.value.fields


# SQLite serialises writers; the race needs PostgreSQL's row locks (the PostgreSQL pass runs it).
@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_writers_creating_one_sku_at_once_end_as_create_then_change(cast):
    assert connection.vendor == "postgresql", "run by tests/stack.py's PostgreSQL pass"
    outcome = {}

    def second_writer():
        try:
            outcome["product"] = product_upsert(key={"sku": "RACE-1"}, values={"name": "Second"})
        finally:
            connections.close_all()

    with transaction.atomic():
        Product.objects.create(sku="RACE-1", name="First")
        writer = threading.Thread(target=second_writer)
        writer.start()
        _wait_until_a_session_waits_for_a_lock()
    writer.join()
    assert Product.objects.get(sku="RACE-1").name == "Second"
    history = Product.history.filter(sku="RACE-1").values_list("history_type", flat=True)
    assert sorted(history) == ["+", "~"]  # the first writer's create, the second's change


def _wait_until_a_session_waits_for_a_lock() -> None:
    # The second writer missed the uncommitted row and now waits on the unique index.
    with connection.cursor() as cursor:
        for _ in range(400):
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            # This test database only: other pytest-xdist workers share the server.
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.025)
    raise AssertionError("the second writer never reached the insert")
