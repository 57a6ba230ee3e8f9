"""The system admin takes a token but never shows it back: change page, list, history."""

import pytest
from django.test import Client
from django.views.debug import SafeExceptionReporterFilter

from apps.systems.models import System

pytestmark = pytest.mark.django_db

TOKEN = "erp-live-token-7Hq2Zr9wXk"
SEEDED = "sandbox-erp-token"


def admin_client(cast) -> Client:
    client = Client()
    client.force_login(cast.user("admin"))
    return client


def change_url(system: System) -> str:
    return f"/admin/systems/system/{system.pk}/change/"


def form_data(client: Client, system: System, **changes) -> dict:
    """The change form's POST as the page would send it, with some fields replaced."""
    context = client.get(change_url(system)).context
    data = fields_of(context["adminform"].form)
    # The inlines (maintenance windows) post their management form and rows too.
    for inline in context["inline_admin_formsets"]:
        formset = inline.formset
        data |= fields_of(formset.management_form)
        for form in formset.forms:
            data |= fields_of(form)
    return data | changes


def fields_of(form) -> dict:
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is True:
            data[form.add_prefix(name)] = "on"
        elif value is not None and value is not False:  # 0 counts: TOTAL_FORMS may be 0
            data[form.add_prefix(name)] = value
    return data


def erp() -> System:
    return System.objects.get(code="erp")


def test_change_page_shows_only_that_a_token_is_set(cast):
    page = admin_client(cast).get(change_url(erp())).content.decode()
    assert SEEDED not in page
    assert "set (…oken)" in page
    assert "Stored encrypted; leave blank to keep the current value" in page


def test_list_page_shows_only_the_hint(cast):
    page = admin_client(cast).get("/admin/systems/system/").content.decode()
    assert SEEDED not in page and "set (…oken)" in page


def test_blank_submit_keeps_the_current_token(cast):
    client = admin_client(cast)
    response = client.post(change_url(erp()), form_data(client, erp(), name="ERP (renamed)"))
    assert response.status_code == 302
    assert (erp().name, erp().auth_token) == ("ERP (renamed)", SEEDED)


def test_new_token_replaces_it_and_history_notes_the_change(cast):
    client = admin_client(cast)
    response = client.post(change_url(erp()), form_data(client, erp(), new_token=TOKEN))
    assert response.status_code == 302
    assert erp().auth_token == TOKEN
    assert erp().history.latest().history_change_reason == "credential changed"
    assert TOKEN not in client.get(change_url(erp())).content.decode()


def test_clear_checkbox_removes_the_token(cast):
    client = admin_client(cast)
    client.post(change_url(erp()), form_data(client, erp(), clear_token="on"))
    assert erp().auth_token == ""


def test_new_token_and_clear_together_are_refused(cast):
    client = admin_client(cast)
    data = form_data(client, erp(), new_token=TOKEN, clear_token="on")
    response = client.post(change_url(erp()), data)
    assert response.status_code == 200 and erp().auth_token == SEEDED
    # The refused form does not echo the typed token back either.
    assert TOKEN not in response.content.decode()


def test_typed_token_is_kept_out_of_crash_reports(cast):
    client = admin_client(cast)
    response = client.post(change_url(erp()), form_data(client, erp(), new_token=TOKEN))
    reported = SafeExceptionReporterFilter().get_post_parameters(response.wsgi_request)
    assert reported["new_token"] != TOKEN and reported["name"] == erp().name


def test_history_pages_never_show_a_token(cast):
    client = admin_client(cast)
    client.post(change_url(erp()), form_data(client, erp(), new_token=TOKEN))
    system = erp()
    pages = [client.get(f"/admin/systems/system/{system.pk}/history/")]
    for record in system.history.all():
        pages.append(client.get(f"/admin/systems/system/{system.pk}/history/{record.pk}/"))
    assert all(page.status_code == 200 for page in pages)
    text = "".join(page.content.decode() for page in pages)
    assert TOKEN not in text and SEEDED not in text
    assert "credential changed" in text
