from django.urls import path

from apps.monitoring import views

app_name = "monitoring"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("ops/alerts/", views.alert_list, name="alerts"),
    path("ops/alerts/<int:pk>/", views.alert_detail, name="alert"),
    path("ops/alerts/<int:pk>/<str:action>/", views.alert_act, name="alert_act"),
    path("ops/flows/<slug:flow_code>/runbook/", views.flow_runbook, name="flow_runbook"),
    path("ops/flows/<slug:flow_code>/evidence.zip", views.evidence, name="evidence"),
    path("ops/trace/", views.trace_search, name="trace_search"),
    path("ops/weekly/", views.weekly, name="weekly"),
    path("ops/weekly.xlsx", views.weekly_xlsx, name="weekly_xlsx"),
    path("ops/changes/", views.change_list, name="changes"),
    path("ops/changes/<int:pk>/", views.change_detail, name="change"),
]
