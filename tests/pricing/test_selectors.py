import pytest
from django.utils import timezone

from apps.accounts.models import CompanyAccount
from apps.catalog.models import Product
from apps.pricing.selectors import authorised_price, authorised_prices

pytestmark = pytest.mark.django_db


def test_authorised_prices_for_many_products_agree_with_one_at_a_time_in_one_query(
    cast, django_assert_num_queries
):
    account, today = CompanyAccount.objects.get(number="NW-1001"), timezone.localdate()
    products = list(Product.objects.all())
    with django_assert_num_queries(1):
        prices = authorised_prices(account=account, products=products, on=today)
    for product in products:
        assert prices.get(product.pk) == authorised_price(
            account=account, product=product, on=today
        )
    assert prices  # the seeded contract prices are found
