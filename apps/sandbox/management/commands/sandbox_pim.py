"""`python manage.py sandbox_pim --products N [--bad-share 0.02]` or `--touch 1`: fill or edit
the sandbox PIM's catalog (bulk inserts: 100,000 products in seconds)."""

from django.core.management.base import BaseCommand, CommandError

from apps.sandbox.pim import pim_populate, pim_touch


class Command(BaseCommand):
    help = "Fill the sandbox PIM with N products (a share of them bad), or change x% of them."

    def add_arguments(self, parser):
        parser.add_argument("--products", type=int, help="Replace the catalog with N products.")
        parser.add_argument(
            "--bad-share", type=float, default=0.02, help="Share of bad records, 0 to 1."
        )
        parser.add_argument("--seed", type=int, default=1, help="Same seed, same catalog.")
        parser.add_argument("--touch", type=float, help="Change this percent of the products now.")

    def handle(self, *args, products, bad_share, seed, touch, **options):
        if products is None and touch is None:
            raise CommandError("Give --products N to fill the PIM, or --touch PERCENT to edit it.")
        if not 0 <= bad_share <= 1:
            raise CommandError("--bad-share is a share between 0 and 1.")
        if products is not None:
            counts = pim_populate(products=products, bad_share=bad_share, seed=seed)
            said = ", ".join(f"{kind} {n}" for kind, n in counts.items())
            self.stdout.write(f"Sandbox PIM holds {products} products: {said}.")
        if touch is not None:
            changed = pim_touch(percent=touch, seed=seed + 1)
            self.stdout.write(f"Changed {changed} products ({touch}%).")
