import pytest
from django.test import Client

from apps.pricing.models import ContractPrice

pytestmark = pytest.mark.django_db


def test_entity_screen_answers_who_may_change_each_field_and_who_decides(cast):
    price = ContractPrice.objects.first()
    client = Client()
    client.force_login(cast.user("auditor"))
    page = client.get(f"/admin/pricing/contractprice/{price.pk}/change/").content.decode()
    panel = page[page.index('id="ownership-panel"') :]
    assert "contract_price.unit_price" in panel
    assert "Priya Pricing" in panel and "pricing-lead@example.com" in panel
