"""Copy settings.CELERY_BEAT_SCHEDULE into django-celery-beat's table (the jobs staff edit)."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from config.jobs import sync_beat_schedule


class Command(BaseCommand):
    help = "Store the shipped periodic jobs in the database (missing ones; --force resets edited ones)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--force", action="store_true", help="Reset existing jobs to the shipped schedule.")

    def handle(self, *args: Any, force: bool = False, **options: Any) -> None:
        result = sync_beat_schedule(force=force)
        self.stdout.write(
            self.style.SUCCESS(f"Periodic jobs: {len(result['created'])} created, {len(result['updated'])} reset.")
        )
