"""The field-ownership matrix in the admin: read, edit, refuse, import, history and revert."""

import pytest

from apps.ownership.models import FieldOwnership
from apps.ownership.resources import FieldOwnershipResource
from tests.browser.pages import follow

pytestmark = pytest.mark.browser

MATRIX = "/admin/ownership/fieldownership/matrix/"


def row(entity: str, field: str) -> FieldOwnership:
    return FieldOwnership.objects.get(entity=entity, field=field)


def cell(page, name: str, system: str) -> str:
    entity, field = name.split(".")
    return page.inner_text(f"#row-{entity}-{field} td[data-system={system}]").strip()


def codes(related) -> list[str]:
    return sorted(system.code for system in related.all())


def test_admin_edits_a_row_sees_it_and_reverts_it_from_history(live_cast, login):
    admin = login("admin")
    admin.goto(f"{live_cast.url}/admin/ownership/fieldownership/")
    follow(admin, "#matrix-link")
    headers = admin.locator("#matrix thead th").all_inner_texts()
    assert [h.lower() for h in headers[1:7]] == [
        "crm",
        "erp",
        "gateway",
        "pim",
        "storefront",
        "wms",
    ]
    assert cell(admin, "order_line.unit_price", "erp") == "O"
    assert cell(admin, "order_line.unit_price", "storefront") == "R"
    assert "Priya Pricing" in admin.inner_text("#row-order_line-unit_price")

    follow(admin, "#row-product-description a.edit-link")
    admin.check("#id_roles_erp input[value=U]")
    admin.uncheck("#id_roles_wms input[value=R]")
    admin.click("input[name=_save]")
    admin.wait_for_selector("text=was changed successfully")
    admin.goto(f"{live_cast.url}{MATRIX}")
    assert cell(admin, "product.description", "erp") == "UR"
    assert cell(admin, "product.description", "wms") == "·"

    follow(admin, "#row-product-description a.edit-link")
    follow(admin, "a.historylink")
    latest = admin.locator("#change-history tbody tr").first
    assert "admin" in latest.inner_text()
    assert "wms" in latest.inner_text()  # the consumers it lost, in the change list
    follow(admin, admin.locator("#change-history tbody tr").nth(1).locator("a").first)
    admin.click("input[name=_save]")  # the Revert button
    admin.wait_for_selector("text=was changed successfully")
    rule = row("product", "description")
    assert codes(rule.may_update) == []
    assert codes(rule.consumers) == ["erp", "storefront", "wms"]


def test_two_owners_are_refused_with_the_message(live_cast, login):
    admin = login("admin")
    admin.goto(f"{live_cast.url}{MATRIX}")
    follow(admin, "#row-contract_price-unit_price a.edit-link")
    admin.check("#id_roles_storefront input[value=O]")
    admin.click("input[name=_save]")
    refusal = admin.inner_text("ul.errorlist.nonfield")
    assert "contract_price.unit_price would have two owners (erp, storefront)" in refusal
    assert row("contract_price", "unit_price").owner_system.code == "erp"


def test_csv_import_previews_the_change_and_applies_it_after_confirm(live_cast, login):
    dataset = FieldOwnershipResource().export()
    index = next(
        i
        for i, r in enumerate(dataset.dict)
        if r["entity"] == "shipment" and r["field"] == "carrier"
    )
    dataset[index] = tuple((dataset.dict[index] | {"enforcement": "quarantine"}).values())

    admin = login("admin")
    admin.goto(f"{live_cast.url}{MATRIX}")
    follow(admin, "#import-link")
    admin.select_option("#id_format", label="csv")
    admin.set_input_files(
        "#id_import_file",
        files=[
            {"name": "matrix.csv", "mimeType": "text/csv", "buffer": dataset.export("csv").encode()}
        ],
    )
    admin.click("input[type=submit]")
    admin.wait_for_selector("table.import-preview")
    preview = admin.locator("table.import-preview tr.update")
    assert preview.count() == 1
    assert "shipment" in preview.inner_text() and "carrier" in preview.inner_text()
    # The preview marks what changes: the old value struck out, the new one inserted.
    assert preview.locator("del").count() == 1 and preview.locator("ins").count() == 1
    assert row("shipment", "carrier").enforcement == "ignore"

    admin.click("input[name=confirm]")
    admin.wait_for_selector("text=Import finished: 0 new, 1 updated")
    rule = row("shipment", "carrier")
    assert rule.enforcement == "quarantine"
    assert rule.history.latest().history_user.username == "admin"


def test_business_owner_sees_the_matrix_read_only(live_cast, login):
    owner = login("pricing")
    owner.goto(f"{live_cast.url}{MATRIX}")
    assert cell(owner, "contract_price.unit_price", "erp") == "O"
    assert "Read only" in owner.inner_text("#legend")
    assert owner.locator("a.edit-link").count() == 0
    assert owner.locator("#import-link").count() == 0

    rule = row("contract_price", "unit_price")
    owner.goto(f"{live_cast.url}/admin/ownership/fieldownership/{rule.pk}/change/")
    assert owner.locator("input[name=_save]").count() == 0
    assert owner.locator("input[type=checkbox]").count() == 0
    response = owner.goto(f"{live_cast.url}/admin/ownership/fieldownership/import/")
    assert response.status == 403
