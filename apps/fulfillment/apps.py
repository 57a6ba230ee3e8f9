from django.apps import AppConfig


class FulfillmentConfig(AppConfig):
    name = "apps.fulfillment"

    def ready(self):
        # Declarations import this app's services, hence its models: only once apps are ready.
        from apps.fulfillment.ownership import ENTITIES
        from apps.ownership.registry import entities_register

        entities_register(ENTITIES)
