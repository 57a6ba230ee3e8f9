from django.core.management.base import BaseCommand, CommandError

from apps.api.services import partner_token_issue
from apps.core.errors import HubError


class Command(BaseCommand):
    help = "Print a new API token for a partner system."

    def add_arguments(self, parser):
        parser.add_argument("partner_code")

    def handle(self, *args, partner_code, **options):
        try:
            key = partner_token_issue(partner_code=partner_code)
        except HubError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(key)
