from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"

    def ready(self):
        # Connects the Celery signals that carry the trace id into tasks.
        from apps.core import tracing  # noqa: F401
