"""apps/core/insert.py writes the rows, and the history rows, that Django and simple-history
would: compared column by column with theirs for the same instances at the same instant."""

from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace
from unittest import mock

import pytest
from django.db import transaction
from simple_history.models import HistoricalRecords, registered_models
from simple_history.utils import bulk_create_with_history

from apps.accounts.models import CompanyAccount
from apps.catalog.models import Product
from apps.core.insert import insert_plan, rows_insert, rows_insert_with_history
from apps.exchange.models import TraceEvent
from apps.orders.models import Order, OrderLine
from apps.systems.models import System

pytestmark = pytest.mark.django_db

INSTANT = datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)


class Undone(Exception):
    pass


def written(write, model, keys) -> tuple[list[dict], list[dict]]:
    """The rows and history rows `write` leaves for `keys`, then undone (so the same keys
    can be written again the other way)."""
    history = model.history.model
    with pytest.raises(Undone), transaction.atomic():
        with mock.patch("django.utils.timezone.now", return_value=INSTANT):
            write()
        rows = list(model.objects.filter(pk__in=keys).order_by("pk").values())
        records = list(history.objects.filter(id__in=keys).order_by("id", "history_id").values())
        raise Undone
    for record in records:
        del record["history_id"]
    return rows, records


def orders(**extra) -> list[Order]:
    account = CompanyAccount.objects.get(number="NW-1001")
    source = System.objects.get(code="storefront")
    return [
        Order(
            pk=900_000 + index,
            number=f"HUB-T{index}",
            account=account,
            source_system=source,
            po_number=f"PO-{index}",
            currency="EUR",
            ship_to={"city": "Lyon", "lines": [1, 2.5, None, "é"]},
            status="quarantined",
            **extra,
        )
        for index in range(2)
    ]


def lines(order: Order) -> list[OrderLine]:
    product = Product.objects.get(sku="ACME-BOLT-M8")
    return [
        OrderLine(
            pk=800_000 + number,
            order=order,
            line_number=number,
            product=product,
            quantity="5",  # as a validated document gives it: text, stored as a decimal
            uom="EA",
            unit_price=Decimal("0.4200"),
            ship_to={} if number == 1 else {"dock": 4},
        )
        for number in (1, 2, 3)
    ]


@pytest.fixture
def person(cast):
    return cast.user("admin")


@pytest.fixture(params=["nobody", "request", "instance"])
def acting(request, person):
    """Who simple-history names: nobody, the request's person, or the instance's own."""
    if request.param == "request":
        HistoricalRecords.context.request = SimpleNamespace(user=person)
        yield {}
        del HistoricalRecords.context.request
    elif request.param == "instance":
        yield {"_history_user": person, "_change_reason": "fixed by hand"}
    else:
        yield {}


def with_attrs(objs, attrs):
    for obj in objs:
        for name, value in attrs.items():
            setattr(obj, name, value)
    return objs


def test_an_order_is_written_as_save_and_its_history_as_simple_history_writes_it(cast, acting):
    keys = [order.pk for order in orders()]

    def simple_history():
        for order in with_attrs(orders(), acting):
            order.save(force_insert=True)

    def here():
        rows_insert_with_history(with_attrs(orders(), acting))

    theirs, ours = written(simple_history, Order, keys), written(here, Order, keys)
    assert ours == theirs
    assert len(ours[1]) == 2 and ours[1][0]["history_type"] == "+"


def test_lines_are_written_as_bulk_create_with_history_writes_them(cast, acting):
    order = orders()[0]
    order.save()

    def simple_history():
        bulk_create_with_history(with_attrs(lines(order), acting), OrderLine)

    def here():
        created = rows_insert_with_history(with_attrs(lines(order), acting))
        assert [line.pk for line in created] == [800_001, 800_002, 800_003]
        assert all(not line._state.adding for line in created)

    keys = [line.pk for line in lines(order)]
    theirs = written(simple_history, OrderLine, keys)
    ours = written(here, OrderLine, keys)
    assert ours == theirs
    if acting:
        assert {r["history_user_id"] for r in ours[1]} == {acting["_history_user"].pk}
        assert {r["history_change_reason"] for r in ours[1]} == {"fixed by hand"}


def test_new_rows_get_their_keys_from_the_database(cast):
    events = rows_insert(
        [TraceEvent(subject_type="t", subject_key=str(n), stage="s", outcome="ok") for n in (1, 2)]
    )
    assert [e.pk for e in events] == list(
        TraceEvent.objects.filter(subject_type="t").order_by("pk").values_list("pk", flat=True)
    )
    assert events[0].pk < events[1].pk and events[0].created_at is not None


def test_rows_with_different_people_are_refused_rather_than_misattributed(cast, person):
    order = orders()[0]
    order.save()
    [first, second] = lines(order)[:2]
    first._history_user = person
    with pytest.raises(ValueError, match="One history"):
        rows_insert_with_history([first, second])


def test_every_historical_model_has_the_columns_written_here():
    # A history option that adds a column (extra fields, a relation to the row, a custom base)
    # makes the plan refuse, before any row could be written without it.
    models = [
        m
        for m in registered_models.values()
        if hasattr(m._meta, "simple_history_manager_attribute")
    ]
    assert Order in models and OrderLine in models
    for model in models:
        assert insert_plan(model).history_table is not None


def test_a_model_with_history_is_not_inserted_without_it(cast):
    with pytest.raises(ValueError, match="has history"):
        rows_insert(orders())
