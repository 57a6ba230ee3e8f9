from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "apps.orders"

    def ready(self):
        # Declarations import this app's services, hence its models: only once apps are ready.
        from apps.orders.ownership import ENTITIES
        from apps.ownership.registry import entities_register

        entities_register(ENTITIES)
