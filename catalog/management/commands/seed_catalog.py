from django.core.management.base import BaseCommand

from catalog.seed import seed_menu


class Command(BaseCommand):
    help = "Load the coffee-shop menu: types, products, specifications with options, promotions (idempotent)."

    def handle(self, *args, **options):
        report = seed_menu(progress=lambda line: self.stdout.write(f"  {line}"))
        self.stdout.write(self.style.SUCCESS(f"Catalog seeded: {report}"))
