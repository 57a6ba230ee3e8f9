import io

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from apps.ownership.models import FieldOwnership
from apps.ownership.resources import FieldOwnershipResource
from apps.systems.models import System

pytestmark = pytest.mark.django_db

ADMIN = "/admin/ownership/fieldownership/"
MATRIX = ADMIN + "matrix/"
IMPORT = ADMIN + "import/"
PROCESS_IMPORT = ADMIN + "process_import/"
CSV, XLSX = "0", "1"


def client_for(cast, username: str) -> Client:
    client = Client()
    client.force_login(cast.user(username))
    return client


def row(entity: str, field: str) -> FieldOwnership:
    return FieldOwnership.objects.get(entity=entity, field=field)


def edit_data(rule: FieldOwnership, **roles) -> dict:
    """The row editor's POST for `rule`, with some systems' roles replaced."""
    data = {
        "enforcement": rule.enforcement,
        "business_owner": rule.business_owner_id,
        "escalation_contact": rule.escalation_contact,
    }
    for system in System.objects.all():
        current = "O" if rule.owner_system_id == system.pk else ""
        for letter, related in (("C", "may_create"), ("U", "may_update"), ("R", "consumers")):
            if getattr(rule, related).filter(pk=system.pk).exists():
                current += letter
        data[f"roles_{system.code}"] = list(roles.get(system.code, current))
    return data


def matrix_csv(**changes) -> bytes:
    """The exported matrix as CSV, with the given `entity.field` rows' cells replaced."""
    dataset = FieldOwnershipResource().export()
    for index, line in enumerate(dataset.dict):
        name = f"{line['entity']}.{line['field']}"
        if name in changes:
            dataset[index] = tuple((line | changes[name]).values())
    return dataset.export("csv").encode()


def upload(client: Client, content: bytes, name="matrix.csv", file_format=CSV):
    return client.post(
        IMPORT, {"format": file_format, "import_file": SimpleUploadedFile(name, content)}
    )


def confirm(client: Client, preview):
    form = preview.context["confirm_form"]
    return client.post(PROCESS_IMPORT, {name: form.initial[name] for name in form.initial})


def test_matrix_shows_systems_across_and_roles_per_row(cast):
    page = client_for(cast, "admin").get(MATRIX)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="row-order_line-unit_price"' in html
    grid = page.context["grid"]
    assert [s.code for s in grid.systems] == ["crm", "erp", "gateway", "pim", "storefront", "wms"]
    unit_price = next(
        r
        for g in grid.groups
        for r in g.rows
        if (r.rule.entity, r.rule.field) == ("order_line", "unit_price")
    )
    assert dict(unit_price.cells) == {
        "crm": "",
        "erp": "O",
        "gateway": "",
        "pim": "",
        "storefront": "R",
        "wms": "",
    }
    assert 'class="edit-link"' in html and 'id="import-link"' in html


def test_matrix_lists_fields_without_owner_with_links_to_add_them(cast):
    FieldOwnership.objects.filter(entity="credit_limit", field="hold").delete()
    html = client_for(cast, "admin").get(MATRIX).content.decode()
    assert f'href="{ADMIN}add/?entity=credit_limit&amp;field=hold"' in html
    owner_view = client_for(cast, "credit").get(MATRIX).content.decode()
    assert "credit_limit.hold" in owner_view and "add/?entity" not in owner_view


def test_changelist_links_to_the_matrix(cast):
    page = client_for(cast, "pricing").get(ADMIN)
    assert page.status_code == 200
    assert 'id="matrix-link"' in page.content.decode()


def test_business_owner_sees_the_matrix_read_only(cast):
    owner = client_for(cast, "pricing")
    page = owner.get(MATRIX)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Priya Pricing" in html and "Read only" in html
    assert 'class="edit-link"' not in html and 'id="import-link"' not in html
    assert owner.post(MATRIX).status_code == 403


def test_business_owner_cannot_edit_revert_or_import(cast):
    owner = client_for(cast, "pricing")
    rule = row("order_line", "unit_price")
    change = f"{ADMIN}{rule.pk}/change/"
    assert owner.get(change).status_code == 200  # a read-only view
    assert owner.post(change, edit_data(rule, pim="O", erp="R")).status_code == 403
    version = rule.history.latest().history_id
    revert = f"{ADMIN}{rule.pk}/history/{version}/"
    assert owner.post(revert, edit_data(rule, pim="O", erp="R")).status_code == 403
    version_page = owner.get(revert).content.decode()
    assert 'name="_save"' not in version_page and 'type="checkbox"' not in version_page
    assert owner.get(IMPORT).status_code == 403
    assert upload(owner, matrix_csv()).status_code == 403
    assert owner.post(PROCESS_IMPORT, {}).status_code == 403
    assert row("order_line", "unit_price").owner_system.code == "erp"


def test_admin_edits_a_row_and_history_names_them(cast):
    admin = client_for(cast, "admin")
    rule = row("product", "description")
    response = admin.post(f"{ADMIN}{rule.pk}/change/", edit_data(rule, pim="O", erp="CUR"))
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.owner_system.code == "pim"
    assert [s.code for s in rule.may_create.all()] == ["erp"]
    assert rule.history.latest().history_user == cast.user("admin")


def test_two_owners_in_the_editor_are_refused_with_the_message(cast):
    admin = client_for(cast, "admin")
    rule = row("contract_price", "unit_price")
    response = admin.post(f"{ADMIN}{rule.pk}/change/", edit_data(rule, storefront="O"))
    assert response.status_code == 200
    assert "contract_price.unit_price would have two owners (erp, storefront)" in (
        response.content.decode()
    )
    assert [s.code for s in row("contract_price", "unit_price").consumers.all()] == ["storefront"]


def test_admin_adds_the_row_of_a_gap(cast):
    FieldOwnership.objects.filter(entity="credit_limit", field="hold").delete()
    rule = row("credit_limit", "limit")
    data = edit_data(rule) | {"entity": "credit_limit", "field": "hold"}
    response = client_for(cast, "admin").post(ADMIN + "add/", data)
    assert response.status_code == 302
    assert row("credit_limit", "hold").owner_system.code == "erp"


def test_adding_a_second_row_for_a_field_is_refused_with_one_message(cast):
    rule = row("product", "name")
    data = edit_data(rule, pim="", crm="O") | {"entity": "product", "field": "name"}
    response = client_for(cast, "admin").post(ADMIN + "add/", data)
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "product.name would have two owners: its matrix row already gives it to pim. "
        "Edit that row instead of adding another."
    ]
    assert FieldOwnership.objects.filter(entity="product", field="name").count() == 1


def test_deleting_a_registry_row_is_refused_with_the_message(cast):
    admin = client_for(cast, "admin")
    rule = row("refund", "amount")
    response = admin.post(f"{ADMIN}{rule.pk}/delete/", {"post": "yes"}, follow=True)
    assert "would leave refund.amount with no owner" in response.content.decode()
    assert FieldOwnership.objects.filter(pk=rule.pk).exists()


def test_revert_restores_the_systems_of_an_earlier_version(cast):
    admin = client_for(cast, "admin")
    rule = row("quote", "total")
    before = rule.history.latest()
    admin.post(f"{ADMIN}{rule.pk}/change/", edit_data(rule, storefront="", crm="R"))
    assert [s.code for s in row("quote", "total").consumers.all()] == ["crm"]

    revert = f"{ADMIN}{rule.pk}/history/{before.history_id}/"
    form = admin.get(revert).context["adminform"].form
    assert form.initial["roles_storefront"] == ["C", "R"]
    response = admin.post(revert, edit_data(rule, storefront="CR", crm=""))
    assert response.status_code == 302
    rule = row("quote", "total")
    assert [s.code for s in rule.consumers.all()] == ["storefront"]
    assert rule.history.latest().history_change_reason.startswith("Reverted to the version of")


def test_import_preview_changes_nothing_until_confirmed(cast):
    admin = client_for(cast, "admin")
    content = matrix_csv(**{"inventory.available": {"enforcement": "quarantine"}})
    preview = upload(admin, content)
    assert preview.status_code == 200
    result = preview.context["result"]
    assert [(r.import_type, r.object_repr) for r in result.rows] == [
        ("update", "inventory.available → wms")
    ]
    assert row("inventory", "available").enforcement == "ignore"

    response = confirm(admin, preview)
    assert response.status_code == 302
    rule = row("inventory", "available")
    assert rule.enforcement == "quarantine"
    latest = rule.history.latest()
    assert latest.history_user == cast.user("admin")
    assert latest.history_change_reason == "Imported from matrix.csv"


def test_import_changes_systems_and_business_owner(cast):
    admin = client_for(cast, "admin")
    change = {
        "owner_system": "crm",
        "may_update": "erp, storefront",
        "consumers": "",
        "business_owner": "otto@example.com",
    }
    confirm(admin, upload(admin, matrix_csv(**{"buyer.name": change})))
    rule = row("buyer", "name")
    assert rule.owner_system.code == "crm"
    assert [s.code for s in rule.may_update.all()] == ["erp", "storefront"]
    assert rule.consumers.count() == 0
    assert rule.business_owner.name == "Otto Orderdesk"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"owner_system": "erp,crm"}, "company_account.duns would have two owners (crm, erp)"),
        ({"owner_system": ""}, "company_account.duns would have no owner"),
        ({"consumers": "storefront,erp"}, "company_account.duns would have two owners: erp"),
        ({"may_update": "sap"}, "company_account.duns: unknown system sap in may_update"),
        ({"business_owner": "nobody"}, "no one business owner has the login or email nobody"),
    ],
)
def test_refused_import_row_reports_an_error_and_offers_no_confirm(cast, change, message):
    admin = client_for(cast, "admin")
    preview = upload(admin, matrix_csv(**{"company_account.duns": change}))
    assert preview.status_code == 200
    assert message in preview.content.decode()
    assert "confirm_form" not in preview.context
    assert row("company_account", "duns").owner_system.code == "erp"


def test_import_of_a_field_twice_or_outside_the_registry_is_refused(cast):
    admin = client_for(cast, "admin")
    dataset = tablib.Dataset().load(matrix_csv().decode(), format="csv")
    first = dataset.dict[0]
    dataset.append(tuple(first.values()))
    dataset.append(tuple((first | {"field": "colour"}).values()))
    preview = upload(admin, dataset.export("csv").encode())
    html = preview.content.decode()
    assert f"{first['entity']}.{first['field']} appears twice in the file" in html
    assert f"{first['entity']}.colour is not a field in the registry" in html
    assert "confirm_form" not in preview.context


def test_file_missing_columns_is_refused_naming_them(cast):
    content = b"entity,field,owner_system\nproduct,name,pim\n"
    preview = upload(client_for(cast, "admin"), content)
    assert "The file lacks the columns may_create, may_update, consumers" in (
        preview.content.decode()
    )
    assert "confirm_form" not in preview.context


def test_xlsx_round_trip_applies_the_change(cast):
    admin = client_for(cast, "admin")
    export = admin.post(ADMIN + "export/", {"format": XLSX, **export_all_fields()})
    assert export.status_code == 200
    dataset = tablib.Dataset().load(io.BytesIO(export.content).read(), format="xlsx")
    assert dataset.headers[:3] == ["entity", "field", "owner_system"]
    index = next(
        i for i, r in enumerate(dataset.dict) if r["entity"] == "cart" and r["field"] == "status"
    )
    dataset[index] = tuple((dataset.dict[index] | {"consumers": "erp"}).values())
    preview = upload(admin, dataset.export("xlsx"), name="matrix.xlsx", file_format=XLSX)
    assert [r.object_repr for r in preview.context["result"].rows] == ["cart.status → storefront"]
    confirm(admin, preview)
    assert [s.code for s in row("cart", "status").consumers.all()] == ["erp"]


def export_all_fields() -> dict:
    # django-import-export's export form asks which resource fields to write.
    prefix = "fieldownershipresource_"
    columns = [f.column_name for f in FieldOwnershipResource().get_export_fields()]
    return {"resource": "0", **{prefix + column: "on" for column in columns}}
