"""The order path's SQL written out answers as the ORM selectors it stands for."""

import datetime
from decimal import Decimal

import pytest

from apps.accounts.models import CompanyAccount
from apps.accounts.selectors import account_for, account_visible_to
from apps.catalog.models import Product, UnitConversion
from apps.catalog.selectors import unit_conversions_for
from apps.exchange.handlers.order_capture.reads import (
    account_read,
    meanings_read,
    prices_read,
    products_read,
)
from apps.pricing.models import ContractPrice
from apps.pricing.selectors import authorised_prices
from apps.systems.models import ExternalReference, System
from apps.systems.selectors import external_ids_for
from tests.api.partner_world import marketplace

pytestmark = pytest.mark.django_db


def system(code: str) -> System:
    return System.objects.get(code=code)


def reference(owner: System, entity: str, external_id: str, key: str) -> None:
    ExternalReference.objects.create(
        system=owner, entity=entity, external_id=external_id, canonical_key=key
    )


def test_meanings_are_the_partners_cross_references_for_the_account_and_skus(cast):
    storefront = system("storefront")
    reference(storefront, "company_account", "SF-NW", "NW-1001")
    reference(storefront, "product", "THEIR-BOLT", "ACME-BOLT-M8")
    reference(storefront, "product", "NOT-SENT", "ACME-NUT-M8")
    reference(system("erp"), "product", "THEIR-NUT", "ACME-NUT-M8")  # another system's
    found = meanings_read(
        system=storefront, account="SF-NW", skus=["THEIR-BOLT", "THEIR-NUT", "THEIR-BOLT"]
    )
    assert found == {
        "company_account": {"SF-NW": "NW-1001"},
        "product": {"THEIR-BOLT": "ACME-BOLT-M8"},
    }
    assert account_for(system=storefront, number="SF-NW").number == "NW-1001"


@pytest.mark.parametrize("partner_code", ["storefront", "marketplace", "erp"])
@pytest.mark.parametrize("number", ["NW-1001", "CT-2001"])
@pytest.mark.parametrize("erp_names_it", [False, True])
def test_an_account_comes_with_its_entitlement_and_erp_code_as_the_selectors_say(
    cast, partner_code, number, erp_names_it
):
    marketplace()
    partner, erp = system(partner_code), system("erp")
    if erp_names_it:
        reference(erp, "company_account", "C-77", number)
    found = account_read(number=number, partner=partner, erp=erp)
    account = CompanyAccount.objects.get(number=number)
    assert found == account
    assert bool(found.entitled) == account_visible_to(system=partner, account=account)
    codes = external_ids_for(system=erp, entity="company_account", keys=[number])
    assert found.erp_code == codes[number] == ("C-77" if erp_names_it else number)
    assert found.name == account.name and found.status == account.status


def test_an_unknown_account_is_none(cast):
    assert account_read(number="NO-SUCH", partner=system("storefront"), erp=system("erp")) is None


def test_products_come_with_their_erp_codes_as_the_selectors_say(cast):
    erp = system("erp")
    reference(erp, "product", "ERP-BOLT", "ACME-BOLT-M8")
    skus = {"ACME-BOLT-M8", "ACME-NUT-M8", "NO-SUCH-SKU"}
    found = products_read(units={sku: {"EA"} for sku in skus}, system=system("storefront"), erp=erp)
    assert found == Product.objects.in_bulk(skus, field_name="sku")
    codes = external_ids_for(system=erp, entity="product", keys=sorted(found))
    assert {sku: product.erp_code for sku, product in found.items()} == codes
    assert found["ACME-BOLT-M8"].erp_code == "ERP-BOLT"
    assert products_read(units={}, system=system("storefront"), erp=erp) == {}


def test_products_come_with_the_unit_conversions_the_selector_gives(
    cast, django_assert_num_queries
):
    storefront = system("storefront")
    bolt, nut = Product.objects.get(sku="ACME-BOLT-M8"), Product.objects.get(sku="ACME-NUT-M8")
    # Beside the seeded CS = 12 EA for every product: the bolt's own CS, a second row for
    # every product under an older one (the first by pk wins), a fractional factor, another
    # system's row for a code the storefront has none for, and a code no one converts.
    UnitConversion.objects.create(
        system=storefront, external_code="CS", product=bolt, canonical_uom="EA", factor="24"
    )
    UnitConversion.objects.create(
        system=storefront, external_code="CS", canonical_uom="EA", factor="6"
    )
    UnitConversion.objects.create(
        system=storefront, external_code="DZ", product=nut, canonical_uom="EA", factor="0.0833"
    )
    UnitConversion.objects.create(
        system=system("pim"), external_code="PK", canonical_uom="EA", factor="5"
    )
    units = {
        "ACME-BOLT-M8": {"CS", "EA", "DZ", "PK"},
        "ACME-NUT-M8": {"CS", "DZ", "NONE"},
        "ACME-GLOVE-L": {"EA"},
        "NO-SUCH-SKU": {"CS"},
    }
    erp = system("erp")
    with django_assert_num_queries(1):
        found = products_read(units=units, system=storefront, erp=erp)
    assert sorted(found) == ["ACME-BOLT-M8", "ACME-GLOVE-L", "ACME-NUT-M8"]
    wanted = [(code, found[sku]) for sku, codes in units.items() if sku in found for code in codes]
    expected = unit_conversions_for(system=storefront, wanted=wanted)
    got = {(code, product.pk): product.units[code] for code, product in wanted}
    assert got == expected
    # Factors as the ORM reads them (a Decimal to the column's places), on SQLite too.
    assert {key: repr(value) for key, value in got.items()} == {
        key: repr(value) for key, value in expected.items()
    }
    assert found["ACME-BOLT-M8"].units["CS"] == ("EA", Decimal(24))
    assert found["ACME-NUT-M8"].units["CS"] == ("EA", Decimal(12))
    assert found["ACME-NUT-M8"].units["DZ"] == ("EA", Decimal("0.0833"))
    assert found["ACME-BOLT-M8"].units["DZ"] is None
    assert found["ACME-BOLT-M8"].units["PK"] is None
    assert found["ACME-BOLT-M8"].units["EA"] == ("EA", Decimal(1))


@pytest.mark.parametrize("days", [-400, -1, 0, 1, 400])
def test_prices_are_the_authorised_ones_on_the_day_as_the_selector_says(cast, days):
    account = CompanyAccount.objects.get(number="NW-1001")
    products = list(Product.objects.all())
    on = datetime.date.today() + datetime.timedelta(days=days)
    bolt = Product.objects.get(sku="ACME-BOLT-M8")
    # A newer price from tomorrow and one that ended yesterday beside the seeded ones.
    template = ContractPrice.objects.filter(account=account, product=bolt).first()
    for start, end, price in ((1, None, "0.40"), (-30, -1, "0.30")):
        ContractPrice.objects.create(
            **{
                field.name: getattr(template, field.name)
                for field in ContractPrice._meta.concrete_fields
                if field.name not in ("id", "created_at", "updated_at")
            }
            | {
                "valid_from": datetime.date.today() + datetime.timedelta(days=start),
                "valid_to": end and datetime.date.today() + datetime.timedelta(days=end),
                "unit_price": price,
            }
        )
    found = prices_read(account=account, products=products, on=on)
    assert found == authorised_prices(account=account, products=products, on=on)
    assert prices_read(account=account, products=[], on=on) == {}
