from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from apps.operations import metrics as operations_metrics
from apps.operations import views as operations_views

handler404 = "apps.api.errors.not_found_page"
handler500 = "apps.api.errors.server_error_page"

admin.site.site_header = "Integration Hub"
admin.site.site_title = "Integration Hub"

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path("api/v1/", include("apps.api.urls")),
    path("ops/", include("apps.operations.urls")),
    path("healthz", operations_views.healthz, name="healthz"),
    path("readyz", operations_views.readyz, name="readyz"),
    path("metrics", operations_metrics.metrics, name="metrics"),
]

if settings.SANDBOX_ENABLED:
    # Wired by URL alone: no production app imports the sandbox.
    urlpatterns.append(path("sandbox/", include("apps.sandbox.urls")))
