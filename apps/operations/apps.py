from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "apps.operations"

    def ready(self) -> None:
        # Tasks register in every process (web too), so services can enqueue by name; the
        # second person's quarantine decisions need the pipeline, so they register from here.
        from apps.operations import decisions, tasks  # noqa: F401
