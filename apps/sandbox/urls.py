from django.urls import path

from apps.sandbox import views

app_name = "sandbox"
urlpatterns = [
    path("erp/orders/", views.erp_orders, name="erp-orders"),
    path("erp/orders/<str:number>/status/", views.erp_order_status, name="erp-order-status"),
    path("storefront/order-status/", views.storefront_order_status, name="storefront-order-status"),
    path("<slug:system>/webhook/", views.webhook, name="webhook"),
    path("<slug:system>/received/", views.received, name="received"),
    path("<slug:system>/faults/", views.faults, name="faults"),
]
