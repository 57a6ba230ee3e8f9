from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "apps.monitoring"
    verbose_name = "Monitoring: alert rules, runbooks, schema changes"

    def ready(self) -> None:
        # Alerts are raised the moment a quarantine item, dead letter or failed run is
        # committed, not only on the beat poll; the hooks live in one module.
        from apps.monitoring import hooks  # noqa: F401
