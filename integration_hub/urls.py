from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from apps.monitoring import views as monitoring_views
from apps.operations import metrics as operations_metrics
from apps.operations import views as operations_views

handler404 = "apps.api.errors.not_found_page"
handler403 = "apps.operations.views.permission_refused"
handler500 = "apps.api.errors.server_error_page"

admin.site.site_header = "Integration Hub"
admin.site.site_title = "Integration Hub"

urlpatterns = [
    # The landing page is the business-terms dashboard; signing in to the admin lands there.
    path("admin/login/", monitoring_views.admin_login, name="hub_login"),
    path("admin/", admin.site.urls),
    path("", include("apps.monitoring.urls")),
    path("api/v1/", include("apps.api.urls")),
    path("ops/", include("apps.operations.urls")),
    path("healthz", operations_views.healthz, name="healthz"),
    path("readyz", operations_views.readyz, name="readyz"),
    path("metrics", operations_metrics.metrics, name="metrics"),
]

if settings.SANDBOX_ENABLED:
    # Wired by URL alone: no production app imports the sandbox.
    # The gateway and ledger first: their paths are more specific than the sandbox's generic ones.
    urlpatterns.append(path("sandbox/", include("apps.sandbox_finance.urls")))
    urlpatterns.append(path("sandbox/", include("apps.sandbox.urls")))
