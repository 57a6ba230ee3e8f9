"""The audit trail is never deleted: not by the ORM, not in the admin, not over the API."""

import re

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from apps.core.errors import DeletionRefused
from apps.core.models import NeverDeleted
from apps.exchange.models import Delivery, DeliveryAttempt, Envelope, TraceEvent
from apps.exchange.services import delivery_attempt
from apps.flows.models import Flow
from apps.operations.models import Alert
from apps.operations.services import alerts_evaluate
from apps.orders.models import Order
from apps.ownership.models import FieldOwnership
from apps.quarantine.models import QuarantineAction, QuarantineItem
from apps.quarantine.services import quarantine_accept_owner_prices
from tests.exchange.test_validation import receive

pytestmark = pytest.mark.django_db

TRAIL = [Envelope, Delivery, DeliveryAttempt, TraceEvent, QuarantineItem, QuarantineAction, Alert]
HISTORY = [
    QuarantineItem.history.model,
    Flow.history.model,
    FieldOwnership.history.model,
    FieldOwnership.history.model.may_create.model,  # the matrix's M2M snapshot rows
]

# Kept SET_NULL on purpose, and safe because users are deactivated, never deleted (see
# StaffUserAdmin); changing them needs migrations owned elsewhere. Anything new fails below.
USER_LINKS = {("exchange.TraceEvent", "actor")}


def build_trail(cast) -> None:
    """One row of every audit-trail kind, made by the real pipeline and services."""
    receive(cast, "order_price_mismatch.json", key="trail-1")
    alerts_evaluate()
    quarantine_accept_owner_prices(item=QuarantineItem.objects.get(), actor=cast.user("pricing"))
    receive(cast, "order_storefront_cases.json", key="trail-2")
    # The ERP is unreachable in these tests: the attempt fails and is logged.
    delivery_attempt(delivery_id=Delivery.objects.get().pk)


@pytest.fixture
def trail(cast):
    build_trail(cast)
    return cast


@pytest.mark.parametrize("model", TRAIL + HISTORY, ids=lambda m: m.__name__)
def test_orm_refuses_to_delete_an_audit_row_singly_or_in_bulk(trail, model):
    row = model.objects.first()
    assert row is not None, f"the story made no {model.__name__}"
    count = model.objects.count()
    with pytest.raises(DeletionRefused, match="part of the audit trail and are never deleted"):
        row.delete()
    with pytest.raises(DeletionRefused):
        model.objects.all().delete()
    with pytest.raises(DeletionRefused):
        model.objects.filter(pk=row.pk).delete()
    assert model.objects.count() == count


def test_refusal_names_what_was_kept(trail):
    with pytest.raises(DeletionRefused) as refused:
        Envelope.objects.first().delete()
    assert refused.value.message == "Envelopes are part of the audit trail and are never deleted."
    assert refused.value.status == 403


def test_history_reached_through_its_owner_is_not_deleted_either(trail):
    item = QuarantineItem.objects.get()
    with pytest.raises(DeletionRefused):
        item.history.all().delete()
    with pytest.raises(DeletionRefused):
        item.actions.all().delete()
    with pytest.raises(DeletionRefused):
        Delivery.objects.get().attempt_log.all().delete()
    assert item.history.exists() and item.actions.exists()


def test_every_history_model_is_never_deleted():
    historical = [m for m in apps.get_models() if m.__name__.startswith("Historical")]
    assert len(historical) > 20
    assert [m.__name__ for m in historical if not issubclass(m, NeverDeleted)] == []


def test_no_deletion_elsewhere_can_remove_or_blank_an_audit_row():
    # Django's collector deletes cascaded rows in SQL, past every delete() guard: an audit row
    # may only point at what can never be deleted, or PROTECT (DO_NOTHING: history keeps ids).
    unsafe = []
    for model in apps.get_models():
        if not issubclass(model, NeverDeleted):
            continue
        for field in model._meta.get_fields():
            if not (field.is_relation and field.concrete and field.many_to_one | field.one_to_one):
                continue
            on_delete = field.remote_field.on_delete
            target_kept = issubclass(field.related_model, NeverDeleted)
            if target_kept or on_delete in (models.PROTECT, models.DO_NOTHING):
                continue
            name = (model._meta.label, field.name)
            if name in USER_LINKS or field.name == "history_user":
                continue
            unsafe.append(f"{name[0]}.{name[1]} ({on_delete.__name__})")
    assert unsafe == []


ADMIN_PAGES = {
    Envelope: "exchange/envelope",
    Delivery: "exchange/delivery",
    QuarantineItem: "quarantine/quarantineitem",
    Alert: "operations/alert",
}


@pytest.mark.parametrize("model", ADMIN_PAGES, ids=lambda m: m.__name__)
def test_admin_offers_no_delete_and_refuses_it_even_to_the_superuser(trail, model):
    admin = Client()
    admin.force_login(trail.user("admin"))
    assert trail.user("admin").is_superuser
    row, url = model.objects.first(), f"/admin/{ADMIN_PAGES[model]}/"
    changelist = admin.get(url)
    assert changelist.status_code == 200
    assert "delete_selected" not in changelist.content.decode()
    page = admin.get(f"{url}{row.pk}/change/", follow=True).content.decode()
    assert f"{url}{row.pk}/delete/" not in page
    assert admin.post(f"{url}{row.pk}/delete/", {"post": "yes"}).status_code == 403
    admin.post(url, {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"})
    assert model.objects.filter(pk=row.pk).exists()


def test_user_who_acted_cannot_be_deleted_only_deactivated(trail):
    admin = Client()
    admin.force_login(trail.user("admin"))
    pricing = trail.user("pricing")
    assert admin.post(f"/admin/auth/user/{pricing.pk}/delete/", {"post": "yes"}).status_code == 403
    changelist = admin.get("/admin/auth/user/").content.decode()
    assert "delete_selected" not in changelist
    assert QuarantineAction.objects.filter(actor=pricing).exists()


def api_routes() -> list[str]:
    """Every URL under /api/v1/, with sample values for its parameters."""
    samples = {"number": Order.objects.first().number, "entity": "product"}
    resolver = get_resolver().url_patterns
    [api] = [p for p in resolver if isinstance(p, URLResolver) and p.namespace == "api"]
    prefix = "/" + str(api.pattern)
    routes = []
    for pattern in api.url_patterns:
        assert isinstance(pattern, URLPattern), "nested API routes: extend this walk"
        route = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: samples[m[1]], str(pattern.pattern))
        routes.append(prefix + route)
    return routes


def table_sizes() -> dict[str, int]:
    return {m._meta.label: m._base_manager.count() for m in apps.get_models()}


def test_api_has_no_delete_anywhere(trail):
    routes = api_routes()
    assert "/api/v1/orders/" in routes and len(routes) >= 5
    before = table_sizes()
    for route in routes:
        answer = APIClient().delete(route, **trail.auth())
        assert answer.status_code == 405, (route, answer.status_code)
        anonymous = APIClient().delete(route)
        assert anonymous.status_code in (401, 405), (route, anonymous.status_code)
    assert table_sizes() == before


@pytest.mark.django_db(transaction=True)
def test_a_database_flush_still_empties_the_audit_trail(cast):
    # Test suites and `manage.py flush` empty tables in SQL; the guard must not stand in the way.
    build_trail(cast)
    call_command("flush", interactive=False, verbosity=0)
    assert not Envelope.objects.exists() and not QuarantineItem.history.exists()
