from django.urls import path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from oauth2_provider.views import TokenView

from apps.api import (
    failures,
    order_list,
    partner_webhooks,
    records,
    reference,
    views,
    webhooks,
)


class OrderNumber:
    """What an order number can be: anything else is a 404 before the database is asked."""

    regex = r"[A-Za-z0-9][A-Za-z0-9._-]{0,29}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(OrderNumber, "order_number")

app_name = "api"
urlpatterns = [
    # The collection's GET (list) is a subclass, so order capture's POST stays as it is.
    path("orders/", order_list.Orders.as_view(), name="orders"),
    path("orders/<order_number:number>/", views.OrderDetail.as_view(), name="order-detail"),
    path("ownership/", views.OwnershipMatrix.as_view(), name="ownership"),
    path("records/<slug:entity>/", records.RecordWrite.as_view(), name="record-write"),
    path("webhooks/order-status/", webhooks.OrderStatusWebhook.as_view(), name="order-status"),
    path("webhooks/inventory/", webhooks.InventoryWebhook.as_view(), name="inventory"),
    path("accounts/", reference.AccountList.as_view(), name="accounts"),
    path("products/", reference.ProductList.as_view(), name="products"),
    path("prices/", reference.PriceList.as_view(), name="prices"),
    path("inventory/", reference.InventoryList.as_view(), name="inventory-levels"),
    path(
        "webhooks/deliveries/",
        partner_webhooks.WebhookDeliveries.as_view(),
        name="webhook-deliveries",
    ),
    path("webhooks/replay/", partner_webhooks.WebhookReplay.as_view(), name="webhook-replay"),
    path("failures/", failures.FailureList.as_view(), name="failures"),
    path("failures/page/", failures.FailurePage.as_view(), name="failures-page"),
    # OAuth2 client credentials: RFC 6749 answers (its own error body), not the API's.
    path("oauth/token/", TokenView.as_view(), name="oauth-token"),
    path(
        "schema/",
        SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[]),
        name="schema",
    ),
    path(
        "docs/",
        # Swagger UI's start-up script as a file, not inline: the CSP blocks inline scripts.
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", authentication_classes=[], permission_classes=[]
        ),
        name="docs",
    ),
]
