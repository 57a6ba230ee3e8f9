from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "apps.accounts"

    def ready(self):
        # Declarations import this app's services, hence its models: only once apps are ready.
        from apps.accounts.ownership import ENTITIES, RESOLVERS
        from apps.ownership.registry import entities_register, references_register

        entities_register(ENTITIES)
        references_register(RESOLVERS)
