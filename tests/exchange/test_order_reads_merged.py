"""The order's one-statement read answers as the reads it merged, on SQLite and PostgreSQL.

`order_reads` reads the partner's cross-references, the account, the products, the ERP's
codes, the unit conversions and the prices in one statement (on PostgreSQL a prepared one);
map and validate must decide exactly as they did with the four reads of
`tests/exchange/test_order_reads.py`, which are checked there against the ORM selectors.
"""

import copy
import datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from apps.accounts.models import AccountStatus, CompanyAccount
from apps.catalog.models import Product, ProductStatus, SkuRule, UnitConversion
from apps.catalog.selectors import sku_by_rule, sku_keys_for, sku_rule_for
from apps.core.errors import ValidationFailed
from apps.exchange.handlers.order_capture import pipeline, reads
from apps.exchange.handlers.order_capture.reads import (
    account_read,
    meanings_read,
    order_reads,
    prices_read,
    products_read,
)
from apps.ownership.models import Enforcement, FieldOwnership
from apps.pricing.models import ContractPrice
from apps.systems.models import ExternalReference, System
from tests.api.partner_world import marketplace

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


def system(code: str) -> System:
    return System.objects.get(code=code)


def reference(owner: str, entity: str, external_id: str, key: str) -> None:
    ExternalReference.objects.create(
        system=system(owner), entity=entity, external_id=external_id, canonical_key=key
    )


def price_like(template: ContractPrice, **changes) -> None:
    ContractPrice.objects.create(
        **{
            field.name: getattr(template, field.name)
            for field in ContractPrice._meta.concrete_fields
            if field.name not in ("id", "created_at", "updated_at")
        }
        | changes
    )


@pytest.fixture
def world(cast):
    """Beside the demo data: cross-references both ways, a second ERP code for a product,
    conversions of every kind, a SKU rule, an inactive product, prices that start tomorrow,
    ended yesterday, and belong to another account."""
    marketplace()
    bolt, nut = Product.objects.get(sku="ACME-BOLT-M8"), Product.objects.get(sku="ACME-NUT-M8")
    reference("storefront", "company_account", "SF-NW", "NW-1001")
    reference("storefront", "company_account", "SF-GONE", "NO-SUCH-ACCOUNT")
    reference("storefront", "product", "THEIR-BOLT", "ACME-BOLT-M8")
    reference("storefront", "product", "acme-nut-m8", "ACME-GLOVE-L")  # beats the rule
    reference("erp", "product", "ERP-BOLT-OLD", "ACME-BOLT-M8")
    reference("erp", "product", "ERP-BOLT", "ACME-BOLT-M8")  # the newer wins
    reference("erp", "company_account", "C-77", "NW-1001")
    reference("pim", "product", "PIM-NUT", "ACME-NUT-M8")  # another system's
    SkuRule.objects.update_or_create(
        system=system("storefront"), defaults={"uppercase": True, "strip_prefix": "SF-"}
    )
    storefront = system("storefront")
    for product, code, factor in ((bolt, "CS", "24"), (nut, "DZ", "0.0833"), (None, "CS", "6")):
        UnitConversion.objects.create(
            system=storefront,
            external_code=code,
            product=product,
            canonical_uom="EA",
            factor=factor,
        )
    UnitConversion.objects.create(
        system=system("pim"), external_code="PK", canonical_uom="EA", factor="5"
    )
    Product.objects.filter(sku="ACME-GLOVE-L").update(status=ProductStatus.DISCONTINUED)
    template = ContractPrice.objects.filter(account__number="NW-1001", product=bolt).first()
    day = datetime.timedelta(days=1)
    price_like(template, valid_from=TODAY + day, unit_price="0.40")
    price_like(template, valid_from=TODAY - 30 * day, valid_to=TODAY - day, unit_price="0.30")
    other = CompanyAccount.objects.get(number="CT-2001")
    price_like(template, account=other, unit_price="0.31")
    return cast


def values(instance) -> list[str]:
    # Every column as the ORM gives it, type and places included.
    return [repr(getattr(instance, f.attname)) for f in type(instance)._meta.concrete_fields]


ORDERS = [
    ("NW-1001", ["ACME-BOLT-M8", "ACME-NUT-M8"], ["CS", "EA", "DZ", "PK", "NONE"]),
    ("SF-NW", ["THEIR-BOLT", "sf-acme-nut-m8", "acme-nut-m8", "NO-SUCH"], ["CS", "DZ"]),
    ("CT-2001", ["ACME-GLOVE-L", " acme-bolt-m8 "], ["EA", "CS"]),
    ("SF-GONE", ["ACME-BOLT-M8"], ["EA"]),
    ("NO-SUCH", ["ACME-BOLT-M8"], ["EA"]),
]


@pytest.mark.parametrize("partner_code", ["storefront", "marketplace", "erp"])
@pytest.mark.parametrize(("account", "skus", "codes"), ORDERS)
@pytest.mark.parametrize("days", [-400, 0, 1])
def test_the_one_read_answers_as_the_reads_it_merged(
    world, partner_code, account, skus, codes, days
):
    partner, erp = system(partner_code), system("erp")
    on = TODAY + datetime.timedelta(days=days)
    rule = sku_rule_for(system=partner)
    found = order_reads(
        partner=partner,
        erp=erp,
        account=account,
        skus={sku: sku_by_rule(rule, sku) for sku in skus},
        codes=set(codes),
        on=on,
    )
    references = meanings_read(system=partner, account=account, skus=skus)
    assert found.references == references

    canonical = references["company_account"].get(account, account)
    expected = account_read(number=canonical, partner=partner, erp=erp)
    got = found.accounts.get(canonical)
    assert (got is None) == (expected is None)
    if expected is not None:
        assert values(got) == values(expected)
        assert got.entitled is bool(expected.entitled)
        assert got.erp_code == expected.erp_code

    keys = sku_keys_for(system=partner, skus=skus, references=references["product"], rule=rule)
    units = {key: set(codes) for key in keys.values()}
    expected_products = products_read(units=units, system=partner, erp=erp)
    for key in set(keys.values()):
        product, wanted = found.products.get(key), expected_products.get(key)
        assert (product is None) == (wanted is None), key
        if wanted is None:
            continue
        assert values(product) == values(wanted)
        assert product.erp_code == wanted.erp_code
        for code in codes:
            assert repr(found.unit(product, code)) == repr(wanted.units[code]), (key, code)

    if expected is not None:
        mapped = [p for p in expected_products.values()]
        prices = found.prices_for(got)
        authorised = prices_read(account=expected, products=mapped, on=on)
        assert {pk: values(prices[pk]) for pk in authorised} == {
            pk: values(price) for pk, price in authorised.items()
        }
        assert set(prices) <= {p.pk for p in found.products.values()}


def test_the_erp_codes_and_units_are_the_ones_expected(world):
    partner, erp = system("storefront"), system("erp")
    found = order_reads(
        partner=partner,
        erp=erp,
        account="SF-NW",
        skus={"THEIR-BOLT": "THEIR-BOLT", "ACME-NUT-M8": "ACME-NUT-M8"},
        codes={"CS", "DZ", "EA"},
        on=TODAY,
    )
    account = found.accounts["NW-1001"]
    assert account.erp_code == "C-77" and account.entitled is True
    bolt, nut = found.products["ACME-BOLT-M8"], found.products["ACME-NUT-M8"]
    assert (bolt.erp_code, nut.erp_code) == ("ERP-BOLT", "ACME-NUT-M8")
    assert found.unit(bolt, "CS") == ("EA", Decimal(24))
    assert found.unit(nut, "CS") == ("EA", Decimal(12))  # the seeded row: first by pk
    assert found.unit(nut, "DZ") == ("EA", Decimal("0.0833"))
    assert found.unit(bolt, "DZ") is None
    assert found.unit(bolt, "EA") == ("EA", Decimal(1))


def test_of_two_prices_started_the_same_day_the_first_by_pk_is_authorised(world):
    # The written-out read left this to the database's sort; now it is always the same one.
    bolt = Product.objects.get(sku="ACME-BOLT-M8")
    template = ContractPrice.objects.filter(account__number="NW-1001", product=bolt).earliest("pk")
    price_like(template, unit_price="0.36")
    found = order_reads(
        partner=system("storefront"),
        erp=system("erp"),
        account="NW-1001",
        skus={"ACME-BOLT-M8": "ACME-BOLT-M8"},
        codes={"EA"},
        on=TODAY,
    )
    assert found.prices_for(found.accounts["NW-1001"])[bolt.pk] == template


def test_it_is_one_statement_however_many_lines(world, django_assert_num_queries):
    partner, erp = system("storefront"), system("erp")

    def read(count):
        skus = {f"SKU-{n}": f"SKU-{n}" for n in range(count)} | {"ACME-BOLT-M8": "ACME-BOLT-M8"}
        return order_reads(
            partner=partner, erp=erp, account="NW-1001", skus=skus, codes={"CS"}, on=TODAY
        )

    read(1)  # prepared on this connection (PostgreSQL)
    for count in (1, 50):
        with django_assert_num_queries(1):
            assert list(read(count).products) == ["ACME-BOLT-M8"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL prepares it")
def test_the_prepared_statement_outlives_a_rollback_and_keeps_one_plan(world):
    partner, erp = system("storefront"), system("erp")

    def read():
        skus = {"ACME-BOLT-M8": "ACME-BOLT-M8"}
        return order_reads(
            partner=partner, erp=erp, account="NW-1001", skus=skus, codes={"EA"}, on=TODAY
        )

    read()
    with connection.cursor() as cursor:  # as a new connection would be
        cursor.execute(f"DEALLOCATE {reads.PREPARED_NAME}")
    reads._PREPARED.discard(connection.connection)
    with pytest.raises(RuntimeError), transaction.atomic():
        read()  # prepared inside a transaction that rolls back
        raise RuntimeError
    for _ in range(8):
        assert list(read().products) == ["ACME-BOLT-M8"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = %s",
            [reads.PREPARED_NAME],
        )
        generic, custom = cursor.fetchone()
    assert (generic, custom) == (9, 0)  # planned once, whatever the catalog's size


def mapped(document: dict, partner: str = "storefront") -> pipeline.Mapped:
    return pipeline.order_map(document=document, partner=system(partner), erp=system("erp"))


def order(account="NW-1001", **line) -> dict:
    sent = {"sku": "ACME-BOLT-M8", "quantity": "2", "uom": "CS", "unit_price": "8.40"} | line
    return {"account": account, "currency": "USD", "lines": [sent]}


def test_map_reads_the_account_and_skus_through_the_partners_references(world):
    result = mapped(order("SF-NW", sku="THEIR-BOLT"))
    assert result.account.number == "NW-1001" and result.account.erp_code == "C-77"
    line = result.document["lines"][0]
    assert (line["sku"], line["quantity"], line["uom"], line["unit_price"]) == (
        "ACME-BOLT-M8",
        "48",
        "EA",
        "0.3500",
    )
    assert result.products["ACME-BOLT-M8"].erp_code == "ERP-BOLT"
    # The rule strips the storefront's prefix and uppercases.
    assert mapped(order(sku="sf-acme-bolt-m8")).document["lines"][0]["sku"] == "ACME-BOLT-M8"


@pytest.mark.parametrize(
    ("document", "partner", "code", "message"),
    [
        (order("NO-SUCH"), "storefront", "unknown_account", "Account NO-SUCH is unknown or not"),
        (order("SF-GONE"), "storefront", "unknown_account", "Account SF-GONE is unknown or not"),
        (order("CT-2001"), "storefront", "unknown_account", "Account CT-2001 is unknown or not"),
        (order("NW-1001"), "marketplace", "unknown_account", "Account NW-1001 is unknown or not"),
    ],
)
def test_map_refuses_an_account_the_partner_may_not_order_for(
    world, document, partner, code, message
):
    with pytest.raises(ValidationFailed) as refused:
        mapped(document, partner)
    assert refused.value.code == code and refused.value.message.startswith(message)


def test_map_refuses_an_inactive_account(world):
    CompanyAccount.objects.filter(number="NW-1001").update(status=AccountStatus.SUSPENDED)
    with pytest.raises(ValidationFailed) as refused:
        mapped(order("SF-NW"))
    assert refused.value.code == "account_inactive"
    assert refused.value.message == f"Account SF-NW is {AccountStatus.SUSPENDED}."


def test_map_names_each_line_it_cannot_map(world):
    document = order()
    document["lines"] += [
        {"sku": "NO-SUCH", "quantity": "1", "uom": "EA", "unit_price": "1"},
        {"sku": "acme-nut-m8", "quantity": "1", "uom": "EA", "unit_price": "1"},  # glove
        {"sku": "ACME-BOLT-M8", "quantity": "1", "uom": "DZ", "unit_price": "1"},
        {"sku": "ACME-NUT-M8", "quantity": "1.5", "uom": "DZ", "unit_price": "1"},
    ]
    with pytest.raises(ValidationFailed) as refused:
        mapped(document)
    assert refused.value.code == "unmappable"
    assert refused.value.fields == {
        "lines.1": ["SKU NO-SUCH is unknown or not orderable."],
        "lines.2": ["SKU acme-nut-m8 is unknown or not orderable."],
        "lines.3": ["Unit DZ has no conversion for ACME-BOLT-M8."],
        "lines.4": [
            "quantity 0.12495 in canonical units does not fit: "
            "Ensure that there are no more than 4 decimal places."
        ],
    }


def validated(result: pipeline.Mapped):
    return pipeline.order_validate(
        document=result.document,
        writer=system("storefront"),
        account=result.account,
        products=result.products,
    )


@pytest.mark.parametrize("enforcement", [Enforcement.QUARANTINE, Enforcement.IGNORE])
@pytest.mark.parametrize("sent", ["8.40", "9.00", "0.10"])
def test_validate_decides_on_the_prices_map_read_as_a_replay_decides(
    world, monkeypatch, enforcement, sent
):
    FieldOwnership.objects.filter(entity="order_line", field="unit_price").update(
        enforcement=enforcement
    )
    result = mapped(order(unit_price=sent))
    replayed = copy.deepcopy(result.document)
    with monkeypatch.context() as patched:  # map read them: validate reads nothing more
        patched.setattr(pipeline, "prices_read", None)
        verdict = validated(result)
    again = pipeline.order_validate(document=replayed, writer=system("storefront"))
    assert (verdict.problems, verdict.notes, verdict.document) == (
        again.problems,
        again.notes,
        again.document,
    )


def test_validate_reads_the_prices_again_for_an_order_mapped_the_day_before(world, monkeypatch):
    result = mapped(order(unit_price="9.00"))
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    monkeypatch.setattr(pipeline.timezone, "localdate", lambda: tomorrow)
    problem = validated(result).problems[0]
    # From tomorrow the newer price (0.40 per EA) is the authorised one.
    assert (problem["code"], problem["authorised_unit_price"]) == ("price_mismatch", "0.4000")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL prepares it")
def test_behind_a_transaction_pooler_nothing_is_prepared(world, settings):
    settings.HUB_DB_PREPARED_STATEMENTS = False  # PgBouncer in transaction mode
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    reads._PREPARED.discard(connection.connection)
    skus = {"ACME-BOLT-M8": "ACME-BOLT-M8"}
    found = order_reads(
        partner=system("storefront"),
        erp=system("erp"),
        account="NW-1001",
        skus=skus,
        codes={"EA"},
        on=TODAY,
    )
    assert list(found.products) == ["ACME-BOLT-M8"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        assert cursor.fetchone()[0] == 0
