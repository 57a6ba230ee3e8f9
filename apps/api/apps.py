from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "apps.api"

    def ready(self) -> None:
        # Registers the token scheme with drf-spectacular.
        from apps.api import schema  # noqa: F401

        self._order_events_connect()

    @staticmethod
    def _order_events_connect() -> None:
        from simple_history.signals import post_create_historical_record

        from apps.api.order_events import order_history_written
        from apps.orders.models import Order

        post_create_historical_record.connect(
            order_history_written,
            sender=Order.history.model,
            dispatch_uid="api.order_history_written",
        )
