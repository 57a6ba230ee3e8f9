"""The reference data an order needs, read with SQL written out.

Profiled (bench/order_profile.py), the ORM's work of building these queries cost more CPU
than the database's work of answering them: about 2 ms each, against about 0.15 ms for the
same SQL written out; on a busy machine that CPU is what an order waits for. Each function
answers as the ORM selectors it stands for (tests/exchange/test_order_reads.py compares
them), on PostgreSQL and SQLite alike; the models and their tables are the ORM's as ever.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import connection

from apps.accounts.models import CompanyAccount
from apps.catalog.models import Product, UnitConversion
from apps.core.db_values import column_converter
from apps.pricing.models import ContractPrice

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
