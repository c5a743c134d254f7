"""The demo registry: each app declares its part on its AppConfig; one command runs them."""

import io

import pytest
from django.core.management import call_command

from accounts.models import Workspace
from config import demo


def test_every_app_contributes_its_loader_in_order():
    assert [(loader.app, loader.order) for loader in demo.loaders()] == [
        ("sales", 10),
        ("ecommerce", 20),
        ("apimetrics", 30),
        ("catalog", 40),
    ]
    assert [loader.load.__module__ for loader in demo.loaders()] == [
        "sales.demo",
        "ecommerce.demo",
        "apimetrics.demo",
        "catalog.demo",
    ]


def test_a_sample_workspace_gets_every_loader_but_the_installations_menu():
    assert [loader.app for loader in demo.workspace_loaders()] == ["sales", "ecommerce", "apimetrics"]
    assert [loader.per_workspace for loader in demo.loaders()] == [True, True, True, False]


@pytest.mark.django_db
def test_the_command_loads_each_app_into_the_demo_workspace_and_prints_what_it_did(monkeypatch, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    calls = []

    def fake(app):
        def load(*, workspace, user, stdout):
            calls.append((app, workspace.slug, user.email))
            return f"{app} loaded"

        return demo.DemoLoader(app, 0, load)

    monkeypatch.setattr(demo, "loaders", lambda: [fake("first"), fake("second")])
    out = io.StringIO()
    call_command("demo", stdout=out, no_color=True)

    assert calls == [("first", "demo", "demo@pulse.local"), ("second", "demo", "demo@pulse.local")]
    assert Workspace.objects.filter(slug="demo").count() == 1
    lines = out.getvalue().splitlines()
    assert lines[1:] == [
        "Loading first demo data…",
        "  first: first loaded",
        "Loading second demo data…",
        "  second: second loaded",
        "",
        "Demo ready on http://127.0.0.1:8000",
        "  user:       demo@pulse.local / pulse-demo-2026 (workspace 'demo')",
        "  superuser:  admin@pulse.local / pulse-admin-2026 (http://127.0.0.1:8000/admin/)",
    ]
    assert lines[0].startswith("Periodic jobs stored for beat: ")


@pytest.mark.django_db
def test_the_demo_says_where_it_is_served(monkeypatch, settings):
    # `make demo PORT=8001` gives the demo command PULSE_BASE_URL=http://127.0.0.1:8001.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PULSE_BASE_URL = "http://127.0.0.1:8001"
    monkeypatch.setattr(demo, "loaders", list)
    out = io.StringIO()
    call_command("demo", stdout=out, no_color=True)
    assert out.getvalue().splitlines()[-3:] == [
        "Demo ready on http://127.0.0.1:8001",
        "  user:       demo@pulse.local / pulse-demo-2026 (workspace 'demo')",
        "  superuser:  admin@pulse.local / pulse-admin-2026 (http://127.0.0.1:8001/admin/)",
    ]
