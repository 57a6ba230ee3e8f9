"""Writes to canonical orders. Callers hold the transaction; these never call out."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from apps.core.errors import InvalidTransition, ValidationFailed
from apps.core.insert import history_params, insert_plan, rows_insert_with_history
from apps.core.upsert import BulkResult, upsert_bulk, upsert_one
from apps.orders.models import (
    BlanketOrder,
    Cart,
    Order,
    OrderLine,
    OrderLineStatus,
    OrderRelease,
    OrderStatus,
    Payment,
    Quote,
)

# The ERP answers an order it holds and has not started to ship: an acknowledgment may follow
# an acknowledgment (the ERP changing a line later), but nothing follows an end.
ERP_ANSWERABLE = [OrderStatus.SUBMITTED, OrderStatus.ACKNOWLEDGED]


@dataclass(frozen=True)
class LineAnswer:
    """The ERP's answer for one line: its status, the quantity it confirms, and why."""

    status: str
    quantity: Decimal | None = None
    reason: str = ""


def order_create(
    *,
    account,
    source_system,
    po_number: str,
    currency: str,
    ship_to: dict,
    lines: list[dict],
    status: str,
) -> Order:
    """Create an order and its lines from a validated canonical document.

    The order's number is written by its insert (one insert, one history row), and the
    returned order carries its lines, so rendering it reads nothing back.
    """
    # No savepoint of its own: the caller's transaction is the unit (a failure here fails
    # the caller's whole write), and a savepoint would cost two round trips per order.
    with transaction.atomic(savepoint=False):
        order = Order(
            account=account,
            source_system=source_system,
            po_number=po_number,
            currency=currency,
            ship_to=ship_to,
            status=status,
        )
        _order_insert(order)
        order_lines = _lines_create(order, lines)
    # The lines just written are all the order has. Cached as prefetch_related caches them,
    # so `order.lines.all()` answers from memory.
    cached = order.lines.all()
    cached._result_cache, cached._prefetch_done = order_lines, True
    order._prefetched_objects_cache = {"lines": cached}
    return order


ORDER_NUMBER_PREFIX, ORDER_NUMBER_DIGITS = "HUB-", 7


def order_number(pk: int) -> str:
    """The hub's order number for an order's primary key: HUB-0000042."""
    return f"{ORDER_NUMBER_PREFIX}{pk:0{ORDER_NUMBER_DIGITS}d}"


def _order_insert(order: Order) -> None:
    # The number derives from the primary key; taking the key before the row exists spares
    # an UPDATE and its second history row. The order, its number and its history row are
    # written without Django's save (no model signals, as for the lines' bulk insert).
    if connection.vendor == "postgresql":
        # The key comes from the table's own identity sequence inside the INSERT, so
        # concurrent writers never share one and it stays what a plain insert gives.
        sql, number_at = _order_insert_sql()
        values = insert_plan(Order).values(order)
        # The number is the statement's, from the key it draws: its format's parts go there.
        values[number_at : number_at + 1] = [ORDER_NUMBER_PREFIX, ORDER_NUMBER_DIGITS]
        with connection.cursor() as cursor:
            cursor.execute(
                sql,
                [Order._meta.db_table, *values, *history_params([order])],
            )
            order.pk, order.number = cursor.fetchone()
        if order.number != order_number(order.pk):  # order_number stays the definition
            raise RuntimeError(f"Order {order.pk} was numbered {order.number} by the database.")
        order._state.adding, order._state.db = False, connection.alias
    else:
        order.pk = _order_pk_next()
        order.number = order_number(order.pk)
        rows_insert_with_history([order])


@cache
def _order_insert_sql() -> tuple[str, int]:
    """PostgreSQL's INSERT of an order with its key, number and history row; one round trip.

    The number is order_number's format in SQL: prefix, then the key zero-padded to at least
    ORDER_NUMBER_DIGITS digits (lpad alone would cut a longer key).
    """
    plan, number_field = insert_plan(Order), Order._meta.get_field("number")
    number_at = plan.fields.index(number_field)
    selected = ["%s"] * len(plan.fields)
    selected[number_at] = "%s || lpad(k.id::text, greatest(%s, length(k.id::text)), '0')"
    sql = (
        f"WITH k AS (SELECT nextval(pg_get_serial_sequence(%s, '{Order._meta.pk.column}')) AS id),"
        f" new AS (INSERT INTO {plan.table} ({plan.pk_column}, {plan.columns}) "
        f"SELECT k.id, {', '.join(selected)} FROM k RETURNING *), "
        f"history AS ({plan.history_sql('new')}) "
        f"SELECT {plan.pk_column}, {connection.ops.quote_name(number_field.column)} FROM new"
    )
    return sql, number_at


def _order_pk_next() -> int:
    # SQLite has one writer at a time (transactions here begin IMMEDIATE, holding the write
    # lock), so inside this transaction the next AUTOINCREMENT key cannot be taken by another.
    table = Order._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT max(coalesce((SELECT max(id) FROM {connection.ops.quote_name(table)}), 0),"
            " coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0)) + 1",
            [table],
        )
        return cursor.fetchone()[0]


def _lines_create(order: Order, lines: list[dict]) -> list[OrderLine]:
    # One statement for the lines and their history rows (two on SQLite), however many.
    return rows_insert_with_history(
        [
            OrderLine(
                order=order,
                line_number=line["line_number"],
                product=line["product"],
                quantity=line["quantity"],
                uom=line["uom"],
                unit_price=line["unit_price"],
                ship_to=line.get("ship_to") or {},
            )
            for line in lines
        ]
    )


def order_transition(
    *, order: Order, from_statuses: list[str], to_status: str, external_ref: str | None = None
) -> Order:
    """Move an order between statuses; refuses if another actor moved it first."""
    changes: dict = {"status": to_status}
    if external_ref is not None:
        changes["external_ref"] = external_ref
    locked = _order_locked(order, from_statuses)
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.save(update_fields=[*changes, "updated_at"])
    return locked


def orders_submit_bulk(*, external_refs: dict[str, str]) -> list[Order]:
    """Orders the ERP accepted (number → its reference) move from received to submitted in
    one lock, one update and one history insert; if any moved first, none moves."""
    with transaction.atomic():
        orders = list(
            Order.objects.select_for_update().filter(number__in=external_refs).order_by("pk")
        )
        moved = sorted(o.number for o in orders if o.status != OrderStatus.RECEIVED)
        if moved or len(orders) != len(external_refs):
            raise InvalidTransition(f"Orders not received, or unknown: {moved[:10]}.")
        now = timezone.now()
        for order in orders:
            order.status, order.updated_at = OrderStatus.SUBMITTED, now
            order.external_ref = external_refs[order.number]
        bulk_update_with_history(orders, Order, ["status", "external_ref", "updated_at"])
    return orders


def order_reprice_lines(*, order: Order, prices: dict[int, Decimal]) -> None:
    """Set corrected unit prices by line number; history records each change."""
    for line in order.lines.filter(line_number__in=prices):
        line.unit_price = prices[line.line_number]
        line.save(update_fields=["unit_price", "updated_at"])


def order_acknowledge(*, order: Order, lines: dict[int, LineAnswer]) -> Order:
    """The ERP confirms the order: lines in `lines` as answered, other open lines as ordered.

    An order whose every line the ERP refused is rejected, not acknowledged.
    """
    locked = _order_locked(order, ERP_ANSWERABLE)
    current = _lines_locked(locked)
    _lines_known(locked, current, lines)
    for number, line in current.items():
        if number in lines:
            _line_answer(locked, line, lines[number])
        elif line.status == OrderLineStatus.OPEN:
            _line_answer(locked, line, LineAnswer(OrderLineStatus.ACCEPTED))
    refused = all(line.status == OrderLineStatus.REJECTED for line in current.values())
    return _order_move(locked, OrderStatus.REJECTED if refused else OrderStatus.ACKNOWLEDGED)


def order_reject(*, order: Order, reason: str = "") -> Order:
    """The ERP refuses the whole order: every line it had not refused yet is refused too."""
    return _order_end(order, OrderStatus.REJECTED, OrderLineStatus.REJECTED, reason)


def order_cancel(*, order: Order, reason: str = "") -> Order:
    """The ERP cancels the order: its open and confirmed lines are cancelled, refusals stay."""
    return _order_end(order, OrderStatus.CANCELLED, OrderLineStatus.CANCELLED, reason)


def _order_end(order: Order, status: str, line_status: str, reason: str) -> Order:
    locked = _order_locked(order, ERP_ANSWERABLE)
    for line in _lines_locked(locked).values():
        # A line refused earlier keeps its refusal and its reason.
        if line.status != line_status and line.can_become(line_status):
            _line_answer(locked, line, LineAnswer(line_status, reason=reason))
    return _order_move(locked, status)


def _order_locked(order: Order, from_statuses: list[str]) -> Order:
    # The order row is the lock for its lines too: every writer takes it first, so two
    # answers for one order apply one after the other and the second sees the first.
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if locked.status not in from_statuses:
        raise InvalidTransition(
            f"Order {order.number} is {locked.status}, not one of {', '.join(from_statuses)}."
        )
    return locked


def _lines_locked(order: Order) -> dict[int, OrderLine]:
    lines = OrderLine.objects.select_for_update().filter(order=order).order_by("line_number")
    return {line.line_number: line for line in lines}


def _lines_known(order: Order, current: dict[int, OrderLine], answers: dict) -> None:
    unknown = sorted(set(answers) - set(current))
    if unknown:
        raise ValidationFailed(
            f"Order {order.number} has no line {', '.join(map(str, unknown))}.",
            code="unknown_line",
            fields={"lines": [f"No line {number} on this order." for number in unknown]},
        )


def _line_answer(order: Order, line: OrderLine, answer: LineAnswer) -> None:
    if not line.can_become(answer.status):
        raise InvalidTransition(
            f"Line {line.line_number} of order {order.number} is {line.status}; "
            f"it cannot become {answer.status}."
        )
    confirmed = answer.quantity
    if confirmed is None:
        confirmed = line.quantity if answer.status == OrderLineStatus.ACCEPTED else Decimal(0)
    changes = {
        "status": answer.status,
        "confirmed_quantity": confirmed,
        "status_reason": answer.reason[:200],
    }
    if all(getattr(line, name) == value for name, value in changes.items()):
        return  # a repeated answer: no history row for a change that did not happen
    for name, value in changes.items():
        setattr(line, name, value)
    line.save(update_fields=[*changes, "updated_at"])


def _order_move(order: Order, status: str) -> Order:
    if order.status != status:
        order.status = status
        order.save(update_fields=["status", "updated_at"])
    return order


# Upserts of canonical order data by natural key (record sync, bulk pulls, the admin).
CART_KEY = ("number",)
QUOTE_KEY = ("number",)
ORDER_KEY = ("number",)
ORDER_LINE_KEY = ("order", "line_number")
BLANKET_ORDER_KEY = ("number",)
ORDER_RELEASE_KEY = ("number",)
PAYMENT_KEY = ("reference",)


def cart_upsert(
    *, key: dict, values: dict, actor: AbstractBaseUser | None = None, reason: str = ""
) -> Cart:
    """Create or change the cart with this number."""
    return upsert_one(Cart, key_fields=CART_KEY, key=key, values=values, actor=actor, reason=reason)


def carts_upsert_bulk(
    *, rows: list[dict], actor: AbstractBaseUser | None = None, reason: str = ""
) -> BulkResult:
    """Create or change many carts by number in a fixed number of queries."""
    return upsert_bulk(Cart, key_fields=CART_KEY, rows=rows, actor=actor, reason=reason)


def quote_upsert(
    *, key: dict, values: dict, actor: AbstractBaseUser | None = None, reason: str = ""
) -> Quote:
    """Create or change the quote with this number."""
    return upsert_one(
        Quote, key_fields=QUOTE_KEY, key=key, values=values, actor=actor, reason=reason
    )


def quotes_upsert_bulk(
    *, rows: list[dict], actor: AbstractBaseUser | None = None, reason: str = ""
) -> BulkResult:
    """Create or change many quotes by number in a fixed number of queries."""
    return upsert_bulk(Quote, key_fields=QUOTE_KEY, rows=rows, actor=actor, reason=reason)


def order_upsert(
    *, key: dict, values: dict, actor: AbstractBaseUser | None = None, reason: str = ""
) -> Order:
    """Create or change the order with this number; partners' orders come through order capture."""
    return upsert_one(
        Order, key_fields=ORDER_KEY, key=key, values=values, actor=actor, reason=reason
    )


def orders_upsert_bulk(
    *, rows: list[dict], actor: AbstractBaseUser | None = None, reason: str = ""
) -> BulkResult:
    """Create or change many orders by number in a fixed number of queries."""
    return upsert_bulk(Order, key_fields=ORDER_KEY, rows=rows, actor=actor, reason=reason)


def order_line_upsert(
    *, key: dict, values: dict, actor: AbstractBaseUser | None = None, reason: str = ""
) -> OrderLine:
    """Create or change one line of an order."""
    return upsert_one(
        OrderLine, key_fields=ORDER_LINE_KEY, key=key, values=values, actor=actor, reason=reason
    )


def order_lines_upsert_bulk(
    *, rows: list[dict], actor: AbstractBaseUser | None = None, reason: str = ""
) -> BulkResult:
    """Create or change many order lines in a fixed number of queries."""
    return upsert_bulk(OrderLine, key_fields=ORDER_LINE_KEY, rows=rows, actor=actor, reason=reason)


def blanket_order_upsert(
    *, key: dict, values: dict, actor: AbstractBaseUser | None = None, reason: str = ""
) -> BlanketOrder:
    """Create or change the blanket order with this number."""
    return upsert_one(
        BlanketOrder,
        key_fields=BLANKET_ORDER_KEY,
        key=key,
        values=values,
        actor=actor,
        reason=reason,
    )


def blanket_orders_upsert_bulk(
    *, rows: list[dict], actor: AbstractBaseUser | None = None, reason: str = ""
) -> BulkResult:
    """Create or change many blanket orders by number in a fixed number of queries."""
    return upsert_bulk(
        BlanketOrder, key_fields=BLANKET_ORDER_KEY, rows=rows, actor=actor, reason=reason
    )


def order_release_upsert(
    *, key: dict, values: dict, actor: AbstractBaseUser | None = None, reason: str = ""
) -> OrderRelease:
    """Create or change one release against a blanket order."""
    return upsert_one(
        OrderRelease,
        key_fields=ORDER_RELEASE_KEY,
        key=key,
        values=values,
        actor=actor,
        reason=reason,
    )


def order_releases_upsert_bulk(
    *, rows: list[dict], actor: AbstractBaseUser | None = None, reason: str = ""
) -> BulkResult:
    """Create or change many order releases by number in a fixed number of queries."""
    return upsert_bulk(
        OrderRelease, key_fields=ORDER_RELEASE_KEY, rows=rows, actor=actor, reason=reason
    )


def payment_upsert(
    *, key: dict, values: dict, actor: AbstractBaseUser | None = None, reason: str = ""
) -> Payment:
    """Create or change the payment with this gateway reference."""
    return upsert_one(
        Payment, key_fields=PAYMENT_KEY, key=key, values=values, actor=actor, reason=reason
    )


def payments_upsert_bulk(
    *, rows: list[dict], actor: AbstractBaseUser | None = None, reason: str = ""
) -> BulkResult:
    """Create or change many payments by reference in a fixed number of queries."""
    return upsert_bulk(Payment, key_fields=PAYMENT_KEY, rows=rows, actor=actor, reason=reason)
