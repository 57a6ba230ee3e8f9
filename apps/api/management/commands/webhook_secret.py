from django.core.management.base import BaseCommand, CommandError

from apps.api.services import webhook_secret_issue
from apps.core.errors import HubError


class Command(BaseCommand):
    help = "Print a new webhook signing secret for a system (Standard Webhooks, whsec_…)."

    def add_arguments(self, parser):
        parser.add_argument("partner_code")

    def handle(self, *args, partner_code, **options):
        try:
            secret = webhook_secret_issue(partner_code=partner_code)
        except HubError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(secret)
