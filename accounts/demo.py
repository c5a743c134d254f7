"""The demo tenant of ``manage.py demo``: a verified demo user owning the workspace ``demo``, and
a superuser. Idempotent: a second run finds them."""

from django.conf import settings
from django.db import transaction

from accounts import services
from accounts.models import Membership, User, Workspace
from config.demo import DemoTenant

DEMO_EMAIL, DEMO_PASSWORD = "demo@pulse.local", "pulse-demo-2026"
ADMIN_EMAIL, ADMIN_PASSWORD = "admin@pulse.local", "pulse-admin-2026"


@transaction.atomic
def tenant() -> DemoTenant:
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
    credentials = (
        f"  user:       {DEMO_EMAIL} / {DEMO_PASSWORD} (workspace 'demo')",
        f"  superuser:  {ADMIN_EMAIL} / {ADMIN_PASSWORD} ({settings.PULSE_BASE_URL.rstrip('/')}/admin/)",
    )
    return DemoTenant(workspace=workspace, user=user, credentials=credentials)
