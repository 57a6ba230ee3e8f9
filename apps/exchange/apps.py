from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "apps.exchange"

    def ready(self) -> None:
        # Register the tasks in every process (web too), so services can enqueue by name.
        from apps.exchange import tasks  # noqa: F401
