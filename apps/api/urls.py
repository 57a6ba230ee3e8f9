from django.urls import path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from apps.api import records, views, webhooks


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
    path("orders/", views.OrderCollection.as_view(), name="orders"),
    path("orders/<order_number:number>/", views.OrderDetail.as_view(), name="order-detail"),
    path("ownership/", views.OwnershipMatrix.as_view(), name="ownership"),
    path("records/<slug:entity>/", records.RecordWrite.as_view(), name="record-write"),
    path("webhooks/order-status/", webhooks.OrderStatusWebhook.as_view(), name="order-status"),
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
