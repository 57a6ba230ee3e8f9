from django.urls import path

from apps.operations import views

app_name = "operations"
urlpatterns = [
    # A key may hold slashes: a contract price is account/SKU/valid from.
    path("trace/<str:subject_type>/<path:subject_key>/", views.trace, name="trace"),
    path("runbooks/<slug:flow_code>/", views.runbook, name="runbook"),
]
