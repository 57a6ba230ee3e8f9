"""The hub's URLs plus the plain order view the order benchmark measures the hub against."""

from django.urls import path

from bench.plain_order import plain_order
from integration_hub.urls import urlpatterns as hub_urlpatterns

handler404 = "apps.api.errors.not_found_page"
handler500 = "apps.api.errors.server_error_page"

urlpatterns = [*hub_urlpatterns, path("bench/plain-order/", plain_order)]
