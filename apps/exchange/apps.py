from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "apps.exchange"

    def ready(self) -> None:
        # Register the tasks in every process (web too), so stages can enqueue by name, and
        # every flow handler, so stages can find a flow's handler by its code.
        from apps.exchange import tasks  # noqa: F401
        from apps.exchange.handlers import handlers_discover

        handlers_discover()
