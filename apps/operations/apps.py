from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "apps.operations"

    def ready(self) -> None:
        # Register the tasks in every process (web too), so services can enqueue by name.
        from apps.operations import tasks  # noqa: F401
