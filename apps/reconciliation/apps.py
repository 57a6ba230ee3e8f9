from django.apps import AppConfig


class ReconciliationConfig(AppConfig):
    name = "apps.reconciliation"

    def ready(self) -> None:
        # Each reconciliation registers itself on import, and so do its quarantine decisions.
        from apps.reconciliation import decisions, definitions  # noqa: F401
