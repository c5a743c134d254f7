"""``manage.py generate_sales --workspace SLUG --count N``: fake sales records with a progress bar."""

import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from accounts.models import Workspace
from config.money import money
from sales import analytics, fake, services


class Command(BaseCommand):
    help = "Generate realistic fake sales records for a workspace (stores are created when it has none)."

    def add_arguments(self, parser):
        parser.add_argument("--workspace", required=True, help="Workspace slug.")
        parser.add_argument("--count", type=int, default=1000, help="Records to create (default 1000).")
        parser.add_argument("--days", type=int, default=fake.DEFAULT_DAYS, help="Spread over the last N days.")
        parser.add_argument("--seed", type=int, default=None, help="Random seed, for reproducible data.")

    def handle(self, *args, workspace: str, count: int, days: int, seed: int | None, **options):
        target = Workspace.objects.filter(slug=workspace).first()
        if target is None:
            raise CommandError(f"No workspace with slug {workspace!r}.")
        if count < 1 or days < 1:
            raise CommandError("--count and --days must be at least 1.")
        started = time.perf_counter()
        with tqdm(total=count, unit="rec", unit_scale=True, desc="Generating", file=self.stderr._out) as bar:
            result = services.records_generate_fake(
                workspace=target, count=count, days=days, seed=seed, progress=bar.update
            )
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {result['created']:,} records in {target.slug} over {result['stores']} stores "
                f"({result['date_from']} to {result['date_to']}) in {elapsed:.1f}s: revenue "
                f"{money(result['total_revenue'])}, ad spend {money(result['total_ad_spend'])}, "
                f"ROAS {analytics.roas(result['total_revenue'], result['total_ad_spend'])}."
            )
        )
