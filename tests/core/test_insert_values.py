"""apps/core/insert.py prepares each column's value as `bulk_create` would, though it takes
text, integers and keys as they are (apps/core/db_values.py) and the trace's rows as fields:
compared with Django's get_db_prep_save(pre_save()) for every model the order path inserts,
over drawn values of every type, on the database under test; then the rows stored.
"""

from datetime import UTC
from decimal import Decimal
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.db import connection, models
from django.db.models.signals import post_init
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.accounts.models import CompanyAccount
from apps.catalog.models import Product
from apps.core.insert import insert_plan, rows_insert, rows_insert_fields
from apps.exchange.models import Delivery, Envelope, TraceEvent, TraceOutcome
from apps.flows.models import Flow
from apps.orders.models import Order, OrderLine
from apps.systems.models import System
from tests.core.rows_written import INSTANT, stored
from tests.core.test_db_values import ANY, ORDER_PATH, comparable

PROPERTY = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# The models rows_insert_fields takes (a model with history goes with its history).
WITHOUT_HISTORY = [TraceEvent, Delivery, Envelope]


def typical(field) -> st.SearchStrategy:
    """Values as the order path gives them to `field`."""
    if field.is_relation or isinstance(field, models.AutoField | models.IntegerField):
        return st.integers(min_value=0, max_value=2**31 - 1)
    if isinstance(field, models.DecimalField):
        return st.decimals(allow_nan=False, allow_infinity=False, places=4, max_value=10**9)
    if isinstance(field, models.JSONField):
        return st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=5))
    if isinstance(field, models.DateTimeField):
        return st.datetimes(timezones=st.just(UTC))
    if isinstance(field, models.BinaryField):
        return st.binary(max_size=10)
    if isinstance(field, models.BooleanField):
        return st.booleans()
    return st.text(max_size=field.max_length or 30)


@st.composite
def values_of(draw, fields: list) -> dict:
    """A value per field as the order path gives it (or None), then any value of any type
    for up to two of them."""
    values = {field: draw(typical(field) | st.none()) for field in fields}
    for _ in range(draw(st.integers(min_value=0, max_value=2))):
        values[draw(st.sampled_from(fields))] = draw(ANY)
    return values


def djangos_values(obj) -> list:
    """What bulk_create sends for `obj`'s columns but its key."""
    fields = insert_plan(type(obj)).fields
    return [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]


def outcome(compute):
    with mock.patch("django.utils.timezone.now", return_value=INSTANT):
        try:
            return ("gives", [comparable(value) for value in compute()])
        except Exception as exc:  # noqa: BLE001 - compared: the same refusal, or none
            return ("raises", type(exc))


@st.composite
def instances(draw):
    model = draw(st.sampled_from(ORDER_PATH))
    obj = model()
    for field, value in draw(values_of(insert_plan(model).fields)).items():
        setattr(obj, field.attname, value)  # a key's id through its descriptor
    return obj


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # naive datetimes, Django's own warning
@PROPERTY
@given(obj=instances())
def test_an_instances_values_are_what_bulk_create_sends(obj):
    theirs = outcome(lambda: djangos_values(obj))
    assert outcome(lambda: insert_plan(type(obj)).values(obj)) == theirs


def related(field) -> st.SearchStrategy:
    """What a row may give for a foreign key by its name: a saved object, one not saved,
    one of another model, one from no database yet, or None."""
    remote = field.remote_field.model

    def built(model, pk, db):
        obj = model(pk=pk)
        obj._state.db = db
        return obj

    keys = st.integers(min_value=1, max_value=10**6)
    good = st.builds(built, st.just(remote), keys, st.just("default"))
    return st.one_of(
        good,
        good,
        good,
        st.none(),
        st.builds(built, st.just(remote), st.none(), st.just("default")),
        st.builds(built, st.just(remote), keys, st.none()),
        st.builds(built, st.just(remote), keys, st.just("other")),
        st.builds(built, st.just(Envelope if remote is not Envelope else System), keys, st.none()),
    )


@st.composite
def rows(draw):
    model = draw(st.sampled_from(WITHOUT_HISTORY + [Order, OrderLine]))
    row = {}
    for field, value in draw(values_of(insert_plan(model).fields)).items():
        way = draw(st.sampled_from(["given", "given", "given", "omitted", "by object"]))
        if way == "by object" and field.is_relation:
            row[field.name] = draw(related(field))
        elif way == "given":
            row[field.attname] = value
    extra = [{}] * 6 + [{"id": 5}, {"pk": 5}, {"nonsense": 1}, {"envelope": Envelope(pk=1)}]
    row.update(draw(st.sampled_from(extra)))
    return model, row


def instance_values(model, row) -> list:
    obj = model(**row)
    obj._prepare_related_fields_for_save(operation_name="bulk_create")  # as rows_insert does
    return djangos_values(obj)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@PROPERTY
@given(drawn=rows())
def test_a_rows_values_are_its_instances_or_the_row_goes_as_an_instance(drawn):
    model, row = drawn
    with mock.patch("django.utils.timezone.now", return_value=INSTANT):
        ours = insert_plan(model).row_values(row, connection)
    if ours is not None:  # None: rows_insert_fields builds the instances
        assert outcome(lambda: instance_values(model, row)) == (
            "gives",
            [comparable(value) for value in ours],
        )


def trace_row(envelope, delivery, actor=None) -> dict:
    return {
        "subject_type": "order",
        "subject_key": "HUB-0000042",
        "stage": "route",
        "outcome": TraceOutcome.OK,
        "message": "Queued for erp (delivery 1).",
        "data": {"lines": [1, 2.5, None, "é"]},
        "trace_id": "abc",
        "envelope": envelope,
        "delivery": delivery,
        "actor": actor,
    }


def saved(model, pk):
    obj = model(pk=pk)
    obj._state.db, obj._state.adding = "default", False
    return obj


def test_the_trails_rows_take_the_fast_way():
    plan = insert_plan(TraceEvent)
    envelope, delivery = saved(Envelope, 3), saved(Delivery, 4)
    for row in (trace_row(envelope, delivery), trace_row(envelope, None)):
        values = plan.row_values(row, connection)
        assert values is not None
        assert values[plan.fields.index(TraceEvent._meta.get_field("envelope"))] == 3
    row = trace_row(envelope, None)
    del row["actor"], row["data"]  # defaults, as the constructor gives them
    assert plan.row_values(row, connection) is not None
    assert plan.row_values({**row, "envelope": Envelope()}, connection) is None  # not saved
    assert plan.row_values({**row, "outcom": "ok"}, connection) is None  # the constructor's


@pytest.fixture
def envelope(cast):
    partner = System.objects.get(code="storefront")
    flow = Flow.objects.get(code="order-capture")
    return Envelope.objects.create(partner=partner, flow=flow, body_hash="x", raw=b"{}")


@pytest.fixture
def delivery(envelope):
    flow = envelope.flow
    [made] = rows_insert(
        [
            Delivery(
                flow=flow,
                target_system=flow.target_system,
                subject_type="order",
                subject_key="HUB-1",
                path="orders/",
                payload={"a": 1},
                idempotency_key="hub-test-1",
                next_attempt_at=INSTANT,
            )
        ]
    )
    return made


def test_trace_rows_are_stored_as_their_instances_are(envelope, delivery):
    person = User.objects.create(username="tracer")
    rows = [
        trace_row(envelope, delivery),
        trace_row(envelope, None, actor=person),
        {**trace_row(envelope, None), "message": "", "data": {}, "envelope_id": None},
    ]
    del rows[2]["envelope"]
    theirs = stored(lambda: rows_insert([TraceEvent(**row) for row in rows]), TraceEvent)
    ours = stored(lambda: rows_insert_fields(TraceEvent, rows), TraceEvent)
    assert ours == theirs and len(ours) == 3
    assert ours[0]["created_at"] == INSTANT and ours[0]["delivery_id"] == delivery.pk


def test_deliveries_are_stored_as_their_instances_are(envelope):
    flow = envelope.flow
    row = {
        "flow": flow,
        "target_system_id": flow.target_system_id,
        "subject_type": "order",
        "subject_key": "HUB-2",
        "path": "orders/",
        "payload": {"total": "1.5"},
        "idempotency_key": "hub-test-2",
        "next_attempt_at": INSTANT,
        "attempts": 2,
    }
    theirs = stored(lambda: rows_insert([Delivery(**row)]), Delivery)
    ours = stored(lambda: rows_insert_fields(Delivery, [row]), Delivery)
    assert ours == theirs and ours[0]["attempts"] == 2


def test_a_row_only_an_instance_can_store_is_refused_or_stored_as_django_would(envelope):
    unsaved = {**trace_row(Envelope(), None)}
    for write in (
        lambda: rows_insert([TraceEvent(**unsaved)]),
        lambda: rows_insert_fields(TraceEvent, [unsaved]),
    ):
        with pytest.raises(ValueError, match="unsaved related object 'envelope'"):
            write()
    with pytest.raises(TypeError, match="unexpected keyword"):
        rows_insert_fields(TraceEvent, [{**trace_row(envelope, None), "outcom": "ok"}])
    with pytest.raises(ValueError, match="has history"):
        rows_insert_fields(Order, [{"number": "x"}])


def test_model_signals_see_the_instances(envelope):
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(receiver, sender=TraceEvent)
    try:
        rows = [trace_row(envelope, None)] * 2
        assert len(stored(lambda: rows_insert_fields(TraceEvent, rows), TraceEvent)) == 2
    finally:
        post_init.disconnect(receiver, sender=TraceEvent)
    assert len(seen) == 2


def test_order_lines_values_are_bulk_creates(cast):
    # The order path's own: the line's text quantity is Django's to make a decimal.
    order = Order(pk=7, account=CompanyAccount.objects.get(number="NW-1001"))
    line = OrderLine(
        order=order,
        line_number=1,
        product=Product.objects.get(sku="ACME-BOLT-M8"),
        quantity="5",
        uom="EA",
        unit_price=Decimal("0.4200"),
    )
    assert outcome(lambda: insert_plan(OrderLine).values(line)) == outcome(
        lambda: djangos_values(line)
    )
