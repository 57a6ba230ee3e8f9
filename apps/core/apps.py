from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"

    def ready(self):
        from django.core.signals import request_finished

        from apps.core import tracing  # noqa: F401  (connects the Celery trace-id signals)
        from apps.core.gc_freeze import freeze_after_warm_up

        request_finished.connect(freeze_after_warm_up, dispatch_uid="core-gc-freeze")
