import datetime

import pytest
from django.utils import timezone

from apps.api.models import PartnerToken
from apps.api.services import partner_for_token, partner_token_issue

pytestmark = pytest.mark.django_db


def test_first_use_of_a_token_is_recorded(cast):
    key = partner_token_issue(partner_code="storefront")
    partner_for_token(key=key)
    assert PartnerToken.objects.get(prefix=key[:8]).last_used_at is not None


def test_use_within_a_minute_of_the_last_is_not_written_again(cast, django_assert_num_queries):
    key = partner_token_issue(partner_code="storefront")
    seen = timezone.now() - datetime.timedelta(seconds=5)
    PartnerToken.objects.filter(prefix=key[:8]).update(last_used_at=seen)
    partner_for_token(key=key)  # the system is read once, then kept under the version
    with django_assert_num_queries(1):  # the token's read only
        assert partner_for_token(key=key).code == "storefront"
    assert PartnerToken.objects.get(prefix=key[:8]).last_used_at == seen


def test_use_a_minute_or_more_after_the_last_is_recorded(cast):
    key = partner_token_issue(partner_code="storefront")
    seen = timezone.now() - datetime.timedelta(minutes=2)
    PartnerToken.objects.filter(prefix=key[:8]).update(last_used_at=seen)
    partner_for_token(key=key)
    assert PartnerToken.objects.get(prefix=key[:8]).last_used_at > seen
