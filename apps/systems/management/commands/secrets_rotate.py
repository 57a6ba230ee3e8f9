from django.core.management.base import BaseCommand, CommandError

from apps.core.errors import HubError
from apps.systems.services import system_credentials_rotate


class Command(BaseCommand):
    help = "Re-encrypt every stored credential with the first key in HUB_FIELD_ENCRYPTION_KEYS."

    def handle(self, *args, **options):
        try:
            count = system_credentials_rotate()
        except HubError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"re-encrypted {count} credentials with the current key")
