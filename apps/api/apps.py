from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "apps.api"

    def ready(self) -> None:
        # Registers the token scheme with drf-spectacular.
        from apps.api import schema  # noqa: F401
