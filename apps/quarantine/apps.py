from django.apps import AppConfig


class QuarantineConfig(AppConfig):
    name = "apps.quarantine"

    def ready(self) -> None:
        # The owner's decisions register themselves into the registry on import.
        from apps.quarantine import decisions  # noqa: F401
