from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "apps.catalog"

    def ready(self):
        # Declarations import this app's services, hence its models: only once apps are ready.
        from apps.catalog.ownership import ENTITIES, RESOLVERS
        from apps.ownership.registry import entities_register, references_register

        entities_register(ENTITIES)
        references_register(RESOLVERS)
