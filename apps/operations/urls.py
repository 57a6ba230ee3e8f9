from django.urls import path

from apps.operations import views

app_name = "operations"
urlpatterns = [
    path("trace/<str:subject_type>/<str:subject_key>/", views.trace, name="trace"),
    path("runbooks/<slug:flow_code>/", views.runbook, name="runbook"),
]
