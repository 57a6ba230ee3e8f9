from django.core.management.base import BaseCommand, CommandError

from apps.api.credentials import partner_client_issue
from apps.core.errors import HubError


class Command(BaseCommand):
    help = (
        "Create an OAuth2 client-credentials client for a partner; the last line printed is "
        "'<client id> <client secret>' (the secret is shown only now)."
    )

    def add_arguments(self, parser):
        parser.add_argument("partner_code")
        parser.add_argument(
            "--scopes", required=True, help='Space-separated, e.g. "orders:write prices:read".'
        )

    def handle(self, *args, partner_code, scopes, **options):
        try:
            issued = partner_client_issue(partner_code=partner_code, scopes=scopes)
        except HubError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Client for {partner_code} with scopes: {issued.client.scopes}")
        self.stdout.write(f"{issued.client_id} {issued.client_secret}")
