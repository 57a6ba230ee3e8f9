"""Entity admin pages: matrix-owned fields are read-only, and saves go through the services."""

import pytest
from django.test import Client

from apps.accounts.models import AccountSite, CompanyAccount
from apps.catalog.models import Product
from apps.pricing.models import ContractPrice

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(cast) -> Client:
    client = Client()
    client.force_login(cast.user("admin"))
    return client


def change_url(instance) -> str:
    meta = instance._meta
    return f"/admin/{meta.app_label}/{meta.model_name}/{instance.pk}/change/"


def form_data(page, **changes) -> dict:
    """The change form's POST as the page would send it, inlines included."""
    forms = [page.context["adminform"].form]
    for inline in page.context.get("inline_admin_formsets", []):  # none on the revert page
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is True:
                data[form.add_prefix(name)] = "on"
            elif value is not None and value is not False:
                data[form.add_prefix(name)] = value
    return data | changes


def test_fields_a_system_owns_are_read_only_and_the_panel_says_who_owns_them(admin):
    product = Product.objects.get(sku="ACME-BOLT-M8")
    page = admin.get(change_url(product))
    assert set(page.context["adminform"].form.fields).isdisjoint({"sku", "name", "status"})
    panel = page.content.decode().split('id="ownership-panel"')[1]
    assert "read-only: owned by pim" in panel


def test_a_posted_owned_field_is_not_written_and_leaves_no_history(admin):
    product = Product.objects.get(sku="ACME-BOLT-M8")
    before = product.history.count()
    response = admin.post(change_url(product), {"name": "Renamed by hand", "_save": "Save"})
    assert response.status_code == 302
    assert Product.objects.get(pk=product.pk).name != "Renamed by hand"
    assert product.history.count() == before


def test_records_of_owned_entities_are_not_created_by_hand(admin):
    assert admin.get("/admin/catalog/product/add/").status_code == 403
    assert admin.get("/admin/pricing/contractprice/add/").status_code == 403


def test_the_authorising_system_stamp_is_read_only(admin):
    price = ContractPrice.objects.first()
    page = admin.get(change_url(price))
    assert "authorised_by" not in page.context["adminform"].form.fields


def test_a_field_no_system_owns_is_saved_through_the_service_naming_the_person(cast, admin):
    account = CompanyAccount.objects.get(number="NW-1001")
    page = admin.get(change_url(account))
    response = admin.post(change_url(account), form_data(page, credit_status="hold"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    latest = CompanyAccount.objects.get(pk=account.pk).history.first()
    assert latest.credit_status == "hold"
    assert latest.history_user == cast.user("admin")
    assert latest.history_change_reason == "Changed in the admin"


def test_revert_to_an_old_version_restores_only_fields_no_system_owns(admin):
    account = CompanyAccount.objects.get(number="NW-1001")
    owners_name = account.name
    CompanyAccount.objects.filter(pk=account.pk).update(name="Old name", credit_status="hold")
    old = account.history.create(  # a version as it stood, as simple_history would keep it
        **{f.attname: getattr(account, f.attname) for f in account._meta.concrete_fields}
        | {"name": "Old name", "credit_status": "hold", "history_type": "~"},
        history_date=account.updated_at,
    )
    CompanyAccount.objects.filter(pk=account.pk).update(name=owners_name, credit_status="ok")
    url = f"/admin/accounts/companyaccount/{account.pk}/history/{old.history_id}/"
    response = admin.post(url, form_data(admin.get(url)))
    assert response.status_code == 302
    reverted = CompanyAccount.objects.get(pk=account.pk)
    assert (reverted.name, reverted.credit_status) == (owners_name, "hold")


def test_sites_on_the_account_page_are_read_only(admin):
    account = CompanyAccount.objects.get(number="NW-1001")
    AccountSite.objects.create(
        code="NW-S1", account=account, kind="ship_to", name="Plant", line1="1 Rd", city="X"
    )
    page = admin.get(change_url(account))
    [sites] = [i for i in page.context["inline_admin_formsets"] if i.opts.model is AccountSite]
    assert not sites.has_add_permission and not sites.formset.can_delete
    assert "name" not in sites.formset.forms[0].fields
