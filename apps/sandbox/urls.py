from django.urls import path

from apps.sandbox import listing_views, pim_views, stock_views, views

app_name = "sandbox"
urlpatterns = [
    path("erp/orders/", views.erp_orders, name="erp-orders"),
    path("erp/orders/<str:number>/status/", views.erp_order_status, name="erp-order-status"),
    path("storefront/order-status/", views.storefront_order_status, name="storefront-order-status"),
    path("erp/order-book/", views.erp_order_book, name="erp-order-book"),
    path("storefront/orders/", views.storefront_order_book, name="storefront-order-book"),
    path("wms/events/", stock_views.wms_events, name="wms-events"),
    path("wms/stock/", stock_views.wms_stock, name="wms-stock"),
    path("wms/snapshot/", stock_views.wms_snapshot, name="wms-snapshot"),
    path("erp/price-lists/", stock_views.erp_price_lists, name="erp-price-lists"),
    path("storefront/stock/", listing_views.storefront_stock, name="storefront-stock"),
    path("storefront/prices/", listing_views.storefront_prices, name="storefront-prices"),
    path(
        "storefront/listing/faults/",
        listing_views.storefront_listing_faults,
        name="storefront-listing-faults",
    ),
    path("pim/products/", pim_views.pim_products, name="pim-products"),
    path("<slug:system>/bulk/<slug:kind>/", pim_views.bulk, name="bulk"),
    path("<slug:system>/webhook/", views.webhook, name="webhook"),
    path("<slug:system>/received/", views.received, name="received"),
    path("<slug:system>/faults/", views.faults, name="faults"),
]
