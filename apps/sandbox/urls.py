from django.urls import path

from apps.sandbox import views

app_name = "sandbox"
urlpatterns = [
    path("erp/orders/", views.erp_orders, name="erp-orders"),
    path("<slug:system>/received/", views.received, name="received"),
    path("<slug:system>/faults/", views.faults, name="faults"),
]
