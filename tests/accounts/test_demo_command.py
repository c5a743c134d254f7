"""manage.py demo: the demo user, workspace and superuser, idempotent, credentials printed."""

import io

import pytest
from django.core.management import call_command

from accounts import demo
from accounts.models import Membership, User, Workspace
from config import demo as demo_registry

pytestmark = pytest.mark.django_db


def test_demo_creates_the_accounts_once_and_prints_credentials(monkeypatch, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    monkeypatch.setattr(demo_registry, "loaders", list)  # each app tests its own demo.load()
    out = io.StringIO()
    for _ in range(2):
        call_command("demo", stdout=out)
    user = User.objects.get(email=demo.DEMO_EMAIL)
    assert user.check_password(demo.DEMO_PASSWORD)
    assert user.is_verified
    workspace = Workspace.objects.get(slug="demo")
    assert (workspace.name, workspace.timezone, workspace.currency) == ("Demo Shop", "Europe/London", "GBP")
    assert Membership.objects.get(workspace=workspace).role == "owner"
    admin = User.objects.get(email=demo.ADMIN_EMAIL)
    assert (admin.is_superuser, admin.is_staff) == (True, True)
    assert admin.check_password(demo.ADMIN_PASSWORD)
    assert User.objects.count() == 2
    text = out.getvalue()
    assert f"{demo.DEMO_EMAIL} / {demo.DEMO_PASSWORD}" in text
    assert f"{demo.ADMIN_EMAIL} / {demo.ADMIN_PASSWORD}" in text
