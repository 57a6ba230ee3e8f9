from django.apps import AppConfig


class PricingConfig(AppConfig):
    name = "apps.pricing"

    def ready(self):
        # Declarations import this app's services, hence its models: only once apps are ready.
        from apps.ownership.registry import entities_register
        from apps.pricing.ownership import ENTITIES

        entities_register(ENTITIES)
