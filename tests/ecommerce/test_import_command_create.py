"""``import_orders --create``: the command makes the workspace it imports into, or says why not."""

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum

from accounts.models import Membership, Workspace
from ecommerce.models import ImportJob, SalesLine
from tests.ecommerce.import_helpers import csv_bytes
from tests.factories import UserFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db

# Two sales lines of one invoice: 6 × 2.55 + 3 × 18.00 = 15.30 + 54.00 = 69.30.
ROWS = [
    ["536365", "85123A", "WHITE HANGING HEART", "6", "12/1/2010 8:26", "2.55", "17850", "United Kingdom"],
    ["536365", "POST", "POSTAGE", "3", "12/1/2010 8:26", "18.00", "17850", "United Kingdom"],
]


@pytest.fixture
def orders(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes(csv_bytes(ROWS))
    return path


def run(path, **options) -> str:
    out = io.StringIO()
    call_command("import_orders", str(path), no_progress=True, stdout=out, **options)
    return out.getvalue()


def revenue(workspace) -> Decimal:
    return SalesLine.objects.filter(workspace=workspace).aggregate(total=Sum("amount"))["total"]


def test_create_makes_the_workspace_with_its_owner_and_imports_into_it(orders):
    user = UserFactory(email="ann@example.com")

    text = run(
        orders,
        workspace="uk-retail",
        create=True,
        owner="Ann@Example.com",
        name="UK retail",
        timezone="Europe/London",
        currency="gbp",
    )

    workspace = Workspace.objects.get(slug="uk-retail")
    assert (workspace.name, workspace.timezone, workspace.currency) == ("UK retail", "Europe/London", "GBP")
    assert workspace.personal_for is None
    assert list(workspace.memberships.values_list("user__email", "role")) == [(user.email, Membership.Role.OWNER)]
    assert text.splitlines()[0] == "Created workspace uk-retail (Europe/London, GBP, owned by ann@example.com)."
    assert "Imported orders.csv into uk-retail" in text
    assert revenue(workspace) == Decimal("69.30")


def test_create_without_an_owner_makes_a_workspace_without_members(orders):
    text = run(orders, workspace="staging", create=True)

    workspace = Workspace.objects.get(slug="staging")
    assert (workspace.name, workspace.timezone, workspace.currency) == ("staging", "UTC", "USD")
    assert not workspace.memberships.exists()
    assert text.splitlines()[0] == "Created workspace staging (UTC, USD, without members)."
    assert revenue(workspace) == Decimal("69.30")


def test_create_imports_into_an_existing_workspace_and_leaves_it_as_it_was(orders):
    existing = WorkspaceFactory(slug="acme", name="Acme", timezone="Europe/Paris", currency="EUR")

    text = run(orders, workspace="acme", create=True, timezone="UTC")
    run(orders, workspace="acme", create=True)  # again: the same invoice is replaced, not doubled

    existing.refresh_from_db()
    assert (existing.name, existing.timezone, existing.currency) == ("Acme", "Europe/Paris", "EUR")
    assert not text.startswith("Created")
    assert Workspace.objects.count() == 1
    assert revenue(existing) == Decimal("69.30")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"workspace": "nope"}, r"No workspace with slug 'nope' \(add --create to create it\)\."),
        ({"workspace": "nope", "owner": "a@example.com"}, r"--owner only apply with --create\."),
        ({"workspace": "nope", "owner": "a@b.c", "name": "N"}, r"--owner and --name only apply with --create\."),
        (
            {"workspace": "nope", "create": True, "owner": "ghost@example.com"},
            r"No active user with the email address 'ghost@example.com'\.",
        ),
        (
            {"workspace": "Not A Slug", "create": True},
            r"Cannot create the workspace 'Not A Slug': slug: Use 2 to 60 lowercase letters",
        ),
        (
            {"workspace": "pulse-system", "create": True},
            r"Cannot create the workspace 'pulse-system': slug: The slug 'pulse-system' is reserved\.",
        ),
        (
            {"workspace": "shop", "create": True, "timezone": "Mars/Olympus"},
            r"Cannot create the workspace 'shop': timezone: 'Mars/Olympus' is not an IANA time zone name\.",
        ),
        (
            {"workspace": "shop", "create": True, "currency": "XYZ"},
            r"Cannot create the workspace 'shop': currency: 'XYZ' is not an ISO 4217 currency code\.",
        ),
    ],
)
def test_refusals_say_why_and_create_nothing(orders, options, message):
    with pytest.raises(CommandError, match=message):
        run(orders, **options)

    assert not Workspace.objects.exists()
    assert not ImportJob.objects.exists()


def test_an_inactive_owner_is_refused(orders):
    UserFactory(email="gone@example.com", is_active=False)

    with pytest.raises(CommandError, match=r"No active user with the email address 'gone@example.com'\."):
        run(orders, workspace="shop", create=True, owner="gone@example.com")

    assert not Workspace.objects.exists()


def test_a_failed_import_takes_the_workspace_it_created_with_it(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes([[*ROWS[0][:3], "six", *ROWS[0][4:]]]))

    with pytest.raises(CommandError, match=r"Import failed \(unparseable_rows\)"):
        run(path, workspace="shop", create=True)

    assert not Workspace.objects.filter(slug="shop").exists()
    assert not ImportJob.objects.exists()


def test_a_missing_file_creates_nothing(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        run(tmp_path / "absent.csv", workspace="shop", create=True)

    assert not Workspace.objects.exists()
