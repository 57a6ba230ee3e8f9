from django.urls import path

from apps.sandbox_finance import views

# Mounted under /sandbox/ before the generic sandbox routes: the ledger is the sandbox ERP's
# finance module (/sandbox/erp/ledger/...), the gateway is the seeded `gateway` system.
app_name = "sandbox_finance"
urlpatterns = [
    path("gateway/captures/", views.gateway_capture, name="gateway-capture"),
    path("gateway/refunds/", views.gateway_refund, name="gateway-refund"),
    path("gateway/transactions/", views.gateway_transactions, name="gateway-transactions"),
    path("erp/ledger/postings/", views.ledger_postings, name="ledger-postings"),
    path("erp/ledger/received/", views.ledger_received, name="ledger-received"),
    path("erp/ledger/faults/", views.ledger_faults, name="ledger-faults"),
    path("erp/ledger/release/", views.ledger_release, name="ledger-release"),
]
