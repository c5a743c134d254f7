"""Load demo data for every app: the demo tenant, the periodic jobs, then each app's data."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from config import demo
from config.jobs import sync_beat_schedule


class Command(BaseCommand):
    help = "Create the demo user, workspace and superuser and load every app's demo data (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        tenant = demo.tenant()
        schedule = sync_beat_schedule()
        self.stdout.write(f"Periodic jobs stored for beat: {len(schedule['created'])} new.")

        for loader in demo.loaders():
            self.stdout.write(f"Loading {loader.app} demo data…")
            summary = loader.load(workspace=tenant.workspace, user=tenant.user, stdout=self.stdout)
            self.stdout.write(self.style.SUCCESS(f"  {loader.app}: {summary}"))

        # Where `make demo PORT=…` serves (PULSE_BASE_URL, the links of mails sent outside a request).
        self.stdout.write(self.style.SUCCESS(f"\nDemo ready on {settings.PULSE_BASE_URL.rstrip('/')}"))
        for line in tenant.credentials:
            self.stdout.write(line)
