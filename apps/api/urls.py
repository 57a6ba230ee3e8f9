from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from apps.api import records, views

app_name = "api"
urlpatterns = [
    path("orders/", views.OrderCollection.as_view(), name="orders"),
    path("orders/<str:number>/", views.OrderDetail.as_view(), name="order-detail"),
    path("ownership/", views.OwnershipMatrix.as_view(), name="ownership"),
    path("records/<slug:entity>/", records.RecordWrite.as_view(), name="record-write"),
    path(
        "schema/",
        SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[]),
        name="schema",
    ),
    path(
        "docs/",
        SpectacularSwaggerView.as_view(
            url_name="api:schema", authentication_classes=[], permission_classes=[]
        ),
        name="docs",
    ),
]
