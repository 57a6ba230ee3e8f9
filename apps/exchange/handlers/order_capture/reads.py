"""The reference data an order needs, read with SQL written out.

Profiled (bench/order_profile.py), the ORM's work of building these queries cost more CPU
than the database's work of answering them: about 2 ms each, against about 0.15 ms for the
same SQL written out; on a busy machine that CPU is what an order waits for. Each function
answers as the ORM selectors it stands for (tests/exchange/test_order_reads.py compares
them), on PostgreSQL and SQLite alike; the models and their tables are the ORM's as ever.

`order_reads` reads all of it for one order in one statement, prepared once per PostgreSQL
connection (tests/exchange/test_order_reads_merged.py holds it equal to the reads below,
which stay for the replay path and as its reference).
"""

from __future__ import annotations

import json
import re
import weakref
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections

from apps.accounts.models import CompanyAccount
from apps.catalog.models import Product, UnitConversion
from apps.core.db_values import column_converter
from apps.pricing.models import ContractPrice
from apps.systems.models import ExternalReference

# How the ERP names a canonical record: its cross-reference, else the hub's own key, as
# `apps.systems.selectors.external_ids_for` says.
ERP_CODE = (
    "COALESCE((SELECT r.external_id FROM systems_externalreference r"
    " WHERE r.system_id = %s AND r.entity = '{entity}' AND r.canonical_key = {key}"
    " ORDER BY r.id DESC LIMIT 1), {key}) AS erp_code"
)


def meanings_read(*, system, account: str, skus: list[str]) -> dict[str, dict[str, str]]:
    """What the system's account number and SKUs mean in canonical keys, where it has a
    cross-reference: {"company_account": {...}, "product": {...}}, one query."""
    codes = sorted(set(skus))
    sql = (
        "SELECT entity, external_id, canonical_key FROM systems_externalreference"
        " WHERE system_id = %s AND ((entity = 'company_account' AND external_id = %s)"
        f" OR (entity = 'product' AND external_id IN ({_marks(codes)})))"
    )
    meanings: dict[str, dict[str, str]] = {"company_account": {}, "product": {}}
    with connection.cursor() as cursor:
        cursor.execute(sql, [system.pk, account, *codes])
        for entity, code, key in cursor.fetchall():
            meanings[entity][code] = key
    return meanings


def account_read(*, number: str, partner, erp) -> CompanyAccount | None:
    """The account by canonical number, with `entitled` (whether the partner may order for
    it) and `erp_code`, one query; None if there is no such account."""
    sql = (
        "SELECT a.*, (%s OR EXISTS (SELECT 1 FROM accounts_accountentitlement e"
        " WHERE e.account_id = a.id AND e.system_id = %s)) AS entitled, "
        + ERP_CODE.format(entity="company_account", key="a.number")
        + " FROM accounts_companyaccount a WHERE a.number = %s"
    )
    params = [partner.sees_every_account(), partner.pk, erp.pk, number]
    return next(iter(CompanyAccount.objects.raw(sql, params)), None)


def products_read(*, units: dict[str, set[str]], system, erp) -> dict[str, Product]:
    """The products with these canonical SKUs, by SKU, one query; each with `erp_code` and
    `units`: for each of `system`'s unit codes sent for it (`units`, SKU -> codes), the
    (canonical unit, factor) or None that `apps.catalog.selectors.unit_conversions_for`
    answers."""
    pairs = sorted((sku, code) for sku, codes in units.items() for code in codes)
    if not pairs:
        return {}
    # One row per (product, code) sent: the winning conversion is the system's row for the
    # product, else its row for every product, the first by pk either way.
    sql = (
        f"WITH wanted (sku, code) AS (VALUES {', '.join(['(%s, %s)'] * len(pairs))})"
        " SELECT p.*, "
        + ERP_CODE.format(entity="product", key="p.sku")
        + ", w.code AS unit_code, u.canonical_uom AS unit_uom, u.factor AS unit_factor"
        " FROM wanted w JOIN catalog_product p ON p.sku = w.sku"
        " LEFT JOIN catalog_unitconversion u ON u.id = (SELECT c.id FROM catalog_unitconversion c"
        " WHERE c.system_id = %s AND c.external_code = w.code"
        " AND (c.product_id = p.id OR c.product_id IS NULL)"
        " ORDER BY c.product_id IS NULL, c.id LIMIT 1)"
    )
    params = [value for pair in pairs for value in pair] + [erp.pk, system.pk]
    factor = column_converter(UnitConversion._meta.get_field("factor"))
    products: dict[str, Product] = {}
    for row in Product.objects.raw(sql, params):
        product = products.get(row.sku)
        if product is None:
            product = products[row.sku] = row
            product.units = {}
        if row.unit_code == product.uom:
            product.units[row.unit_code] = (product.uom, Decimal(1))
        elif row.unit_uom is None:
            product.units[row.unit_code] = None
        else:
            product.units[row.unit_code] = (row.unit_uom, factor(row.unit_factor))
    return products


def prices_read(*, account, products: list[Product], on) -> dict[int, ContractPrice]:
    """The authorised price of each product for the account on a date, by product pk, one
    query, as `apps.pricing.selectors.authorised_prices`: the most recently started wins."""
    pks = sorted({product.pk for product in products})
    if not pks:
        return {}
    sql = (
        "SELECT * FROM pricing_contractprice WHERE account_id = %s"
        f" AND product_id IN ({_marks(pks)}) AND valid_from <= %s"
        " AND (valid_to IS NULL OR valid_to >= %s) ORDER BY product_id, valid_from DESC"
    )
    day = connection.ops.adapt_datefield_value(on)
    prices: dict[int, ContractPrice] = {}
    for price in ContractPrice.objects.raw(sql, [account.pk, *pks, day, day]):
        prices.setdefault(price.product_id, price)
    return prices


def _marks(values: list) -> str:
    return ", ".join(["%s"] * len(values))


@dataclass
class OrderReads:
    """What an order's map and validate stages read, as `order_reads` answers."""

    # The partner's cross-references for the account and SKUs sent, as `meanings_read`.
    references: dict[str, dict[str, str]]
    # The account the number sent means, with `entitled` and `erp_code` (`account_read`).
    accounts: dict[str, CompanyAccount] = field(default_factory=dict)
    # By SKU: every product a SKU sent may mean (by the partner's cross-reference or by its
    # SKU rule), with `erp_code` (`products_read`); the caller picks.
    products: dict[str, Product] = field(default_factory=dict)
    # The partner's conversions of the units sent: (code, product pk, or None for every
    # product) -> (canonical unit, factor), the first by pk.
    conversions: dict[tuple, tuple[str, Decimal]] = field(default_factory=dict)
    # (account pk, product pk) -> the price authorised on the day (`prices_read`).
    prices: dict[tuple[int, int], ContractPrice] = field(default_factory=dict)

    def unit(self, product: Product, code: str) -> tuple[str, Decimal] | None:
        """(canonical unit, factor) for the partner's unit `code` of `product`, or None, as
        `apps.catalog.selectors.unit_conversions_for` answers."""
        if code == product.uom:
            return (product.uom, Decimal(1))
        return self.conversions.get((code, product.pk)) or self.conversions.get((code, None))

    def prices_for(self, account: CompanyAccount) -> dict[int, ContractPrice]:
        """The authorised prices for `account`, by product pk."""
        return {product: price for (at, product), price in self.prices.items() if at == account.pk}


def order_reads(
    *, partner, erp, account: str, skus: dict[str, str], codes: set[str], on
) -> OrderReads:
    """All an order needs read, in one statement: the partner's cross-references for the
    `account` number and the SKUs sent (`skus`: each SKU sent -> what the partner's SKU rule
    makes of it), the account and products they mean with `erp`'s codes for them, the
    partner's conversions of the unit `codes` sent, and the account's prices on the day `on`.
    """
    statement = _statement()
    values = {
        "partner": partner.pk,
        "erp": erp.pk,
        "account": account,
        "every": partner.sees_every_account(),
        "skus": sorted(skus),
        "keys": sorted(set(skus.values())),
        "codes": sorted(codes),
        "day": connection.ops.adapt_datefield_value(on),
    }
    if connection.vendor != "postgresql":  # lists go to SQLite as JSON, for json_each
        values.update({name: json.dumps(values[name]) for name in LISTS})
    reads = OrderReads(references={"company_account": {}, "product": {}})
    codes_by_key: dict[tuple[str, str], tuple[int, str]] = {}
    units: list[tuple] = []
    for row in _rows(statement.sql, values):
        kind = row[0]
        mine = row[statement.at[kind] : statement.at[kind] + statement.width[kind]]
        if kind == "m":
            entity, code, key = mine
            reads.references[entity][code] = key
        elif kind == "a":
            found = statement.instance(CompanyAccount, mine[:-1])
            found.entitled = bool(mine[-1])
            reads.accounts[found.number] = found
        elif kind == "p":
            found = statement.instance(Product, mine)
            reads.products[found.sku] = found
        elif kind == "e":  # the newest of a system's codes for a record wins, as in ERP_CODE
            pk, entity, key, code = mine
            if codes_by_key.get((entity, key), (0,))[0] < pk:
                codes_by_key[(entity, key)] = (pk, code)
        elif kind == "u":
            units.append(mine)
        else:
            _price_keep(reads.prices, statement.instance(ContractPrice, mine))
    for _pk, code, product, uom, factor in sorted(units):  # the first by pk wins
        reads.conversions.setdefault((code, product), (uom, statement.factor(factor)))
    for number, found in reads.accounts.items():
        found.erp_code = codes_by_key.get(("company_account", number), (0, number))[1]
    for sku, found in reads.products.items():
        found.erp_code = codes_by_key.get(("product", sku), (0, sku))[1]
    return reads


def _price_keep(prices: dict, price: ContractPrice) -> None:
    # The most recently started wins (`authorised_prices`); among those started the same
    # day, the first by pk.
    key = (price.account_id, price.product_id)
    kept = prices.get(key)
    if kept is None or (price.valid_from, -price.pk) > (kept.valid_from, -kept.pk):
        prices[key] = price


# The account the number sent means (the partner's cross-reference, else the number), and
# every product a SKU sent may mean: by the SKU rule (`keys`) or the partner's references.
# `{name}` is a list or a subquery to be within: `= ANY(array)` on PostgreSQL, which plans
# index scans for it and keeps one statement text for any number of lines.
WITH = (
    "WITH meant AS (SELECT entity, external_id, canonical_key FROM systems_externalreference"
    " WHERE system_id = %(partner)s AND ((entity = 'company_account' AND external_id = %(account)s)"
    " OR (entity = 'product' AND external_id {skus}))),"
    " account AS (SELECT {account}, (%(every)s OR EXISTS (SELECT 1"
    " FROM accounts_accountentitlement e WHERE e.account_id = a.id AND e.system_id = %(partner)s))"
    " AS entitled FROM accounts_companyaccount a WHERE a.number = COALESCE((SELECT canonical_key"
    " FROM meant WHERE entity = 'company_account'), %(account)s)),"
    " product AS (SELECT {product} FROM catalog_product p WHERE p.sku {keys} OR p.sku {meant}) "
)
SUBQUERIES = {
    "meant": "SELECT canonical_key FROM meant WHERE entity = 'product'",
    "numbers": "SELECT number FROM account",
    "skus_read": "SELECT sku FROM product",
    "account_ids": "SELECT id FROM account",
    "product_ids": "SELECT id FROM product",
}
# One branch per kind of row, each filling only its own columns (NULL in the others'), so
# a row is its model's row at the kind's offset.
ERP_CODES = "r.id, r.entity, r.canonical_key, r.external_id"
UNITS = "u.id, u.external_code, u.product_id, u.canonical_uom, u.factor"
BRANCHES = [
    ("m", "entity, external_id, canonical_key", "FROM meant"),
    ("a", "{account_columns}, entitled", "FROM account"),
    ("p", "{product_columns}", "FROM product"),
    # The ERP's codes for the account and the products.
    (
        "e",
        ERP_CODES,
        "FROM systems_externalreference r WHERE r.system_id = %(erp)s"
        " AND r.entity = 'company_account' AND r.canonical_key {numbers}",
    ),
    (
        "e",
        ERP_CODES,
        "FROM systems_externalreference r WHERE r.system_id = %(erp)s"
        " AND r.entity = 'product' AND r.canonical_key {skus_read}",
    ),
    # The partner's conversions of the units sent, for every product and for these ones.
    (
        "u",
        UNITS,
        "FROM catalog_unitconversion u WHERE u.system_id = %(partner)s"
        " AND u.external_code {codes} AND u.product_id IS NULL",
    ),
    (
        "u",
        UNITS,
        "FROM catalog_unitconversion u WHERE u.system_id = %(partner)s"
        " AND u.external_code {codes} AND u.product_id {product_ids}",
    ),
    # The account's prices for the products, valid on the day.
    (
        "c",
        "{price_columns}",
        "FROM pricing_contractprice c WHERE c.account_id {account_ids}"
        " AND c.product_id {product_ids} AND c.valid_from <= %(day)s"
        " AND (c.valid_to IS NULL OR c.valid_to >= %(day)s)",
    ),
]
LISTS = ("skus", "keys", "codes")
PARAMETER_TYPES = {
    "partner": "bigint",
    "erp": "bigint",
    "account": "text",
    "every": "boolean",
    "skus": "text[]",
    "keys": "text[]",
    "codes": "text[]",
    "day": "date",
}


@dataclass
class _Statement:
    sql: str
    at: dict[str, int]  # where each kind's columns start in a row
    width: dict[str, int]
    attnames: dict
    converters: dict  # model -> one per column: to what the ORM gives
    factor: object

    def instance(self, model, values: tuple):
        converted = [
            convert(value) for convert, value in zip(self.converters[model], values, strict=True)
        ]
        return model.from_db(connection.alias, self.attnames[model], converted)


# Built once per connection (one per thread): the converters are bound to it.
_statements: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _statement() -> _Statement:
    wrapper = connections[DEFAULT_DB_ALIAS]  # what `connection` stands for in this thread
    statement = _statements.get(wrapper)
    if statement is None:
        statement = _statements[wrapper] = _statement_built(wrapper.vendor)
    return statement


def _statement_built(vendor: str) -> _Statement:
    reference = ExternalReference._meta.get_field
    conversion = UnitConversion._meta.get_field
    models = {"a": CompanyAccount, "p": Product, "c": ContractPrice}
    columns = {
        "m": [reference(name) for name in ("entity", "external_id", "canonical_key")],
        "a": [*CompanyAccount._meta.concrete_fields, None],  # None: entitled, a boolean
        "p": list(Product._meta.concrete_fields),
        "e": [reference(name) for name in ("id", "entity", "canonical_key", "external_id")],
        "u": [conversion(n) for n in ("id", "external_code", "product", "canonical_uom", "factor")],
        "c": list(ContractPrice._meta.concrete_fields),
    }
    at, start = {}, 1
    for kind, fields in columns.items():
        at[kind], start = start, start + len(fields)
    branches = []
    for kind, selected, reads in BRANCHES:
        row = []
        for other, fields in columns.items():
            if other == kind:
                row.append(selected)
            elif not branches:  # the first branch types each column, as PostgreSQL needs
                row += [f"CAST(NULL AS {_type(field)})" for field in fields]
            else:
                row += ["NULL"] * len(fields)
        branches.append(f"SELECT '{kind}', {', '.join(row)} {reads}")
    if vendor == "postgresql":
        within = {name: f" = ANY(%({name})s)" for name in LISTS}
        among = {name: f" = ANY(ARRAY({query}))" for name, query in SUBQUERIES.items()}
    else:
        within = {name: f" IN (SELECT value FROM json_each(%({name})s))" for name in LISTS}
        among = {name: f" IN ({query})" for name, query in SUBQUERIES.items()}
    names = {kind: [f.column for f in columns[kind] if f] for kind in models}
    sql = (WITH + " UNION ALL ".join(branches)).format(
        account=", ".join(f"a.{name}" for name in names["a"]),
        product=", ".join(f"p.{name}" for name in names["p"]),
        account_columns=", ".join(names["a"]),
        product_columns=", ".join(names["p"]),
        price_columns=", ".join(f"c.{name}" for name in names["c"]),
        **within,
        **among,
    )
    return _Statement(
        sql=sql,
        at=at,
        width={kind: len(fields) for kind, fields in columns.items()},
        attnames={model: [f.attname for f in columns[kind] if f] for kind, model in models.items()},
        converters={
            model: [column_converter(f) for f in columns[kind] if f]
            for kind, model in models.items()
        },
        factor=column_converter(conversion("factor")),
    )


def _type(field) -> str:
    return "boolean" if field is None else field.cast_db_type(connection)


# PostgreSQL connections (psycopg's) the statement is prepared on. Planning it cost several
# times what running it does (EXPLAIN ANALYZE: 0.3 ms against 0.05 for each of the reads
# it merges), and one plan serves every order. A prepared statement lives as long as its
# connection (a rollback keeps it); a new connection prepares it again.
_PREPARED: weakref.WeakSet = weakref.WeakSet()
PREPARED_NAME = "hub_order_reads"
# PostgreSQL plans a prepared statement anew for each run while its estimate for a plan of
# those values beats the plan it keeps for any (with a few SKUs against a 20,000-product
# catalog it always did, 1.3 ms of planning a run): keep one plan, for this transaction only.
GENERIC_PLAN = "SET LOCAL plan_cache_mode = force_generic_plan"


def _rows(sql: str, values: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        # With Django's default client-side binding, values are sent inline, so PREPARE and
        # EXECUTE are plain SQL; with server-side binding psycopg prepares by itself.
        inline = not connection.settings_dict["OPTIONS"].get("server_side_binding")
        prepare = inline and settings.HUB_DB_PREPARED_STATEMENTS
        if connection.vendor != "postgresql" or not prepare:
            cursor.execute(sql, values)
            return cursor.fetchall()
        if connection.connection not in _PREPARED:
            number = {name: f"${i}" for i, name in enumerate(PARAMETER_TYPES, 1)}
            body = re.sub(r"%\((\w+)\)s", lambda name: number[name[1]], sql)
            types = ", ".join(PARAMETER_TYPES.values())
            cursor.execute(f"PREPARE {PREPARED_NAME} ({types}) AS {body}")
            _PREPARED.add(connection.connection)
        arguments = ", ".join(f"%({name})s" for name in PARAMETER_TYPES)
        # One round trip: the setting's result first, then the rows.
        cursor.execute(f"{GENERIC_PLAN}; EXECUTE {PREPARED_NAME} ({arguments})", values)
        cursor.nextset()
        return cursor.fetchall()
