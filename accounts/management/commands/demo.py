"""Load demo data for every app: a demo user and workspace, a superuser, and each app's data."""

import importlib

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts import services
from accounts.models import Membership, User, Workspace
from config.jobs import sync_beat_schedule

DEMO_EMAIL, DEMO_PASSWORD = "demo@pulse.local", "pulse-demo-2026"
ADMIN_EMAIL, ADMIN_PASSWORD = "admin@pulse.local", "pulse-admin-2026"
DEMO_APPS = ("sales", "ecommerce", "apimetrics", "catalog")


class Command(BaseCommand):
    help = "Create the demo user, workspace and superuser and load every app's demo data (idempotent)."

    def handle(self, *args, **options):
        with transaction.atomic():
            user = User.objects.filter(email=DEMO_EMAIL).first()
            if user is None:
                user = User.objects.create_user(
                    email=DEMO_EMAIL, password=DEMO_PASSWORD, full_name="Demo User", is_verified=True
                )
            workspace = Workspace.objects.filter(slug="demo").first() or services.workspace_create(
                owner=user, name="Demo Shop", slug="demo", timezone="Europe/London", currency="GBP"
            )
            Membership.objects.get_or_create(user=user, workspace=workspace, defaults={"role": "owner"})
            if not User.objects.filter(email=ADMIN_EMAIL).exists():
                User.objects.create_superuser(email=ADMIN_EMAIL, password=ADMIN_PASSWORD, full_name="Pulse Admin")

        schedule = sync_beat_schedule()
        self.stdout.write(f"Periodic jobs stored for beat: {len(schedule['created'])} new.")

        for app in DEMO_APPS:
            try:
                module = importlib.import_module(f"{app}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.demo":
                    raise
                continue
            self.stdout.write(f"Loading {app} demo data…")
            summary = module.load(workspace=workspace, user=user, stdout=self.stdout)
            self.stdout.write(self.style.SUCCESS(f"  {app}: {summary}"))

        self.stdout.write(self.style.SUCCESS("\nDemo ready on http://127.0.0.1:8000"))
        self.stdout.write(f"  user:       {DEMO_EMAIL} / {DEMO_PASSWORD} (workspace 'demo')")
        self.stdout.write(f"  superuser:  {ADMIN_EMAIL} / {ADMIN_PASSWORD} (http://127.0.0.1:8000/admin/)")
