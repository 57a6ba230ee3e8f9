"""The catalog sync through the sandbox PIM and storefront, served for real over HTTP."""

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.catalog.models import Product
from apps.core.errors import TransportError, ValidationFailed
from apps.exchange.models import Delivery, DeliveryStatus, SyncRun, SyncStatus
from apps.exchange.stages.batch import sync_run
from apps.exchange.stages.replay import replay_approve
from apps.flows.models import Flow
from apps.ownership.models import FieldOwnership
from apps.quarantine.models import QuarantineItem
from apps.quarantine.services import quarantine_submit_correction
from apps.sandbox.models import PimProduct, SandboxBulkReceipt
from apps.sandbox.pim import pim_populate
from apps.sandbox.services import fault_clear, fault_set
from apps.systems.models import System

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def pim(live_cast, settings):
    settings.HUB_BATCH_PAGE_SIZE = 10
    return live_cast


def pushed_skus() -> list[str]:
    return [sku for r in SandboxBulkReceipt.objects.filter(kind="products") for sku in r.keys]


def test_full_sync_writes_products_with_history_and_pushes_them(pim):
    pim_populate(products=35, bad_share=0)
    run = sync_run(name="catalog", trigger="test")

    assert run.status == SyncStatus.SUCCEEDED
    assert (run.mode, run.pages, run.fetched, run.applied, run.pushed) == ("full", 4, 35, 35, 35)
    product = Product.objects.get(sku="PIM-000007")
    assert product.source_sku == "PIM-000007"
    assert product.attributes["brand"] and product.attributes["category"]
    assert product.history.count() == 1
    assert sorted(pushed_skus()) == sorted(PimProduct.objects.values_list("sku", flat=True))
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}


def test_bad_records_are_held_for_the_catalog_owner_in_plain_words(pim):
    pim_populate(products=12, bad_share=0)
    PimProduct.objects.filter(sku="PIM-000003").update(name="")
    PimProduct.objects.filter(sku="PIM-000004").update(attributes={"colour": "red"})
    PimProduct.objects.filter(sku="PIM-000005").update(unit="ZZ")
    PimProduct.objects.filter(sku="PIM-000006").update(sku="PIM-000007 ")  # two spellings

    run = sync_run(name="catalog", trigger="test")

    assert (run.fetched, run.applied, run.quarantined) == (12, 7, 5)
    items = {i.subject_key: i for i in QuarantineItem.objects.select_related("assigned_owner")}
    owner = Flow.objects.get(code="catalog-sync").owner
    assert {i.assigned_owner for i in items.values()} == {owner}
    assert "has no name" in items["PIM-000003"].message
    assert "required attribute brand is missing" in items["PIM-000004"].message
    assert "Unit 'ZZ' has no conversion" in items["PIM-000005"].message
    assert "both become hub SKU PIM-000007" in items["PIM-000007 "].message
    assert items["PIM-000007"].reason_code == "catalog_same_sku"
    assert not Product.objects.filter(sku__in=["PIM-000003", "PIM-000005", "PIM-000007"]).exists()
    assert "PIM-000005" not in pushed_skus()


def test_a_second_full_run_writes_and_pushes_nothing_unchanged_nor_holds_twice(pim):
    pim_populate(products=20, bad_share=0)
    PimProduct.objects.filter(sku="PIM-000002").update(unit="ZZ")
    sync_run(name="catalog", trigger="test")
    receipts, history = SandboxBulkReceipt.objects.count(), Product.history.count()

    again = sync_run(name="catalog", mode="full", trigger="test")

    assert (again.applied, again.unchanged, again.pushed, again.quarantined) == (0, 19, 0, 1)
    assert SandboxBulkReceipt.objects.count() == receipts
    assert Product.history.count() == history
    assert QuarantineItem.objects.filter(subject_key="PIM-000002").count() == 1


def test_delta_takes_only_what_changed_since_the_last_good_run(pim):
    pim_populate(products=30, bad_share=0)
    first = sync_run(name="catalog", trigger="test")
    pushed_before = len(pushed_skus())
    PimProduct.objects.filter(sku__in=["PIM-000004", "PIM-000021"]).update(
        description="New copy", updated_at=timezone.now()
    )

    delta = sync_run(name="catalog", trigger="test")

    assert delta.mode == "delta" and delta.since == first.started_at
    assert (delta.fetched, delta.applied, delta.pushed) == (2, 2, 2)
    assert pushed_skus()[pushed_before:] == ["PIM-000004", "PIM-000021"]
    assert Product.objects.get(sku="PIM-000021").description == "New copy"
    assert Product.objects.get(sku="PIM-000021").history.count() == 2


def test_pim_down_at_start_fails_the_run_and_the_next_start_does_it_all(pim):
    pim_populate(products=15, bad_share=0)
    fault_set(system="pim", spec={"down": True})
    with pytest.raises(TransportError):
        sync_run(name="catalog", trigger="test")
    failed = SyncRun.objects.get()
    assert (failed.status, failed.pages, failed.cursor) == (SyncStatus.FAILED, 0, "")
    assert "503" in failed.error

    fault_clear(system="pim")
    resumed = sync_run(name="catalog", trigger="test")
    assert resumed.pk == failed.pk and resumed.status == SyncStatus.SUCCEEDED
    assert Product.objects.filter(sku__startswith="PIM-").count() == 15


def test_pim_failing_mid_run_resumes_from_its_cursor_without_applying_twice(pim):
    pim_populate(products=35, bad_share=0)
    fault_set(system="pim", spec={"status": 500, "after": 2})  # pages 1 and 2, then 500s
    with pytest.raises(TransportError):
        sync_run(name="catalog", trigger="test")
    stopped = SyncRun.objects.get()
    assert (stopped.status, stopped.pages, stopped.fetched) == (SyncStatus.FAILED, 2, 20)
    assert stopped.cursor and Product.objects.filter(sku__startswith="PIM-").count() == 20

    fault_clear(system="pim")
    resumed = sync_run(name="catalog", trigger="test")

    assert resumed.pk == stopped.pk
    assert (resumed.status, resumed.pages, resumed.fetched, resumed.applied) == (
        SyncStatus.SUCCEEDED,
        4,
        35,
        35,
    )
    assert Product.history.filter(sku__startswith="PIM-").count() == 35  # none written twice
    assert len(pushed_skus()) == 35 == len(set(pushed_skus()))


def test_the_sync_command_shows_one_summary_line(pim, capsys):
    pim_populate(products=12, bad_share=0)
    PimProduct.objects.filter(sku="PIM-000009").update(unit="ZZ")

    call_command("sync", "catalog", "--full", "--no-progress")

    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1
    assert "catalog-sync full" in lines[0] and "succeeded" in lines[0]
    for figure in ("fetched=12", "applied=11", "unchanged=0", "quarantined=1", "pushed=11"):
        assert figure in lines[0]
    assert "seconds=" in lines[0]


def test_the_sync_command_names_the_batch_flows_it_knows(pim):
    with pytest.raises(CommandError, match="catalog"):
        call_command("sync", "nonsense", "--no-progress")


def test_a_corrected_record_replays_through_the_same_checks_and_is_pushed(pim):
    pim_populate(products=3, bad_share=0)
    PimProduct.objects.filter(sku="PIM-000002").update(unit="ZZ")
    sync_run(name="catalog", trigger="test")
    item = QuarantineItem.objects.get(subject_key="PIM-000002")
    assert item.subject_type == "product"
    corrected = {**item.payload, "unit": "CS12"}
    quarantine_submit_correction(item=item, corrected_payload=corrected, actor=pim.user("catalog"))

    replay_approve(item=item, actor=pim.user("approver"))

    product = Product.objects.get(sku="PIM-000002")
    assert (product.uom, product.attributes["units_per_pack"]) == ("EA", "12")
    assert product.history.get().history_user == pim.user("approver")
    assert pushed_skus()[-1] == "PIM-000002"


def test_a_correction_that_still_fails_the_checks_is_refused_with_the_reason(pim):
    pim_populate(products=3, bad_share=0)
    PimProduct.objects.filter(sku="PIM-000002").update(unit="ZZ")
    sync_run(name="catalog", trigger="test")
    item = QuarantineItem.objects.get(subject_key="PIM-000002")
    quarantine_submit_correction(
        item=item, corrected_payload={**item.payload, "unit": "QQ"}, actor=pim.user("catalog")
    )

    with pytest.raises(ValidationFailed, match="Unit 'QQ' has no conversion"):
        replay_approve(item=item, actor=pim.user("approver"))
    assert not Product.objects.filter(sku="PIM-000002").exists()


def give_description_to_the_erp(enforcement: str) -> None:
    FieldOwnership.objects.filter(entity="product", field="description").update(
        owner_system=System.objects.get(code="erp"), enforcement=enforcement
    )


def test_a_field_the_matrix_gives_another_system_holds_the_record_when_it_quarantines(pim):
    pim_populate(products=4, bad_share=0)
    sync_run(name="catalog", trigger="test")
    give_description_to_the_erp("quarantine")
    PimProduct.objects.filter(sku="PIM-000002").update(
        description="PIM copy", updated_at=timezone.now()
    )

    delta = sync_run(name="catalog", trigger="test")

    assert (delta.fetched, delta.applied, delta.quarantined) == (1, 0, 1)
    item = QuarantineItem.objects.get(subject_key="PIM-000002")
    assert item.reason_code == "ownership_refused"
    assert "description belongs to erp" in item.message
    assert Product.objects.get(sku="PIM-000002").description != "PIM copy"


def test_a_field_the_matrix_gives_another_system_keeps_its_value_when_ignored(pim):
    pim_populate(products=4, bad_share=0)
    sync_run(name="catalog", trigger="test")
    stored = Product.objects.get(sku="PIM-000003").description
    give_description_to_the_erp("ignore")
    PimProduct.objects.filter(sku="PIM-000003").update(
        description="PIM copy", name="Renamed", updated_at=timezone.now()
    )

    delta = sync_run(name="catalog", trigger="test")

    assert (delta.applied, delta.quarantined) == (1, 0)
    product = Product.objects.get(sku="PIM-000003")
    assert (product.name, product.description) == ("Renamed", stored)
