"""The catalog sync's checks and mapping of one PIM record (plain Python, no database)."""

from decimal import Decimal

from apps.catalog.models import SkuRule
from apps.exchange.handlers.catalog_sync.rules import Mapped, record_map

UNITS = {"EA": ("EA", Decimal(1)), "CS12": ("EA", Decimal("12.0000"))}


def record(**changes) -> dict:
    base = {
        "sku": "pim-000001",
        "name": " Hex bolt ",
        "description": "M8",
        "unit": "EA",
        "category": "Fasteners",
        "attributes": {"brand": "Acme"},
        "images": ["https://img.example.test/1.jpg"],
    }
    return base | changes


def test_the_sku_follows_the_sources_rule_and_category_and_images_become_attributes():
    rule = SkuRule(uppercase=True, strip_characters="-")
    mapped = record_map(record(), rule=rule, units=UNITS)
    assert isinstance(mapped, Mapped)
    assert (mapped.sku, mapped.source_sku, mapped.values["name"]) == (
        "PIM000001",
        "pim-000001",
        "Hex bolt",
    )
    assert mapped.values["attributes"]["category"] == "Fasteners"
    assert mapped.values["attributes"]["images"] == ["https://img.example.test/1.jpg"]


def test_a_pack_unit_becomes_the_canonical_unit_with_its_pack_size():
    mapped = record_map(record(unit="CS12"), rule=None, units=UNITS)
    assert mapped.values["uom"] == "EA"
    assert mapped.values["attributes"]["units_per_pack"] == "12"
    assert mapped.values["attributes"]["source_unit"] == "CS12"


def test_every_problem_of_a_record_is_named_at_once():
    problems = record_map(
        record(name="", unit="ZZ", attributes={"colour": "red"}), rule=None, units=UNITS
    )
    fields = [p["field"] for p in problems]
    assert fields == ["name", "attributes.brand", "unit"]


def test_the_fingerprint_changes_with_the_content_and_only_with_it():
    one = record_map(record(), rule=None, units=UNITS)
    same = record_map(record(attributes={"brand": "Acme"}), rule=None, units=UNITS)
    other = record_map(record(description="M10"), rule=None, units=UNITS)
    assert one.content_hash == same.content_hash != other.content_hash


def test_something_that_is_not_a_record_is_refused_not_crashed_on():
    assert record_map(["not", "a", "record"], rule=None, units=UNITS)[0]["field"] == "record"
    assert record_map(record(sku=None), rule=None, units=UNITS)[0]["field"] == "sku"
