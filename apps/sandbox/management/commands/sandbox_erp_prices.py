"""`python manage.py sandbox_erp_prices --accounts A,B --skus X,Y [--seed 14]`: give the
sandbox ERP a contract price list for each account (what `sync prices` then pulls)."""

from django.core.management.base import BaseCommand

from apps.sandbox.erp_prices import erp_prices_generate


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


class Command(BaseCommand):
    help = "Fill the sandbox ERP's price lists: a price for every account and SKU given."

    def add_arguments(self, parser):
        parser.add_argument("--accounts", type=_names, required=True, help="Comma-separated.")
        parser.add_argument("--skus", type=_names, required=True, help="Comma-separated.")
        parser.add_argument("--seed", type=int, default=14, help="Same seed, same prices.")

    def handle(self, *args, accounts, skus, seed, **options):
        loaded = erp_prices_generate(accounts=accounts, skus=skus, seed=seed)
        self.stdout.write(
            f"Sandbox ERP price lists hold {loaded} prices for {len(accounts)} accounts."
        )
