"""The new-workspace page: any signed-in person makes a workspace they own, under the API's rules
(a slug taken as typed or refused with the reason); bad input shows next to its field and writes
nothing; anonymous visitors are sent to log in."""

import pytest
from django.test import Client

from accounts.models import Membership, Workspace
from accounts.tenancy import SESSION_WORKSPACE_KEY
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/accounts/workspace/new/"
VALID = {"name": "Corner Shop", "slug": "", "timezone": "Europe/Paris", "currency": "eur", "week_start": "sunday"}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _errors(response) -> dict[str, list[str]]:
    form = response.context["form"]
    return {name: [str(message) for message in messages] for name, messages in form.errors.items()}


def test_anonymous_is_sent_to_log_in_and_nothing_is_made(workspace):
    assert Client().get(URL).status_code == 302
    response = Client().post(URL, VALID)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert list(Workspace.objects.values_list("slug", flat=True)) == ["acme"]


@pytest.mark.parametrize("who", ["owner", "admin_user", "viewer", "outsider"])
def test_every_member_makes_a_workspace_they_own_and_it_becomes_active(who, request):
    user = request.getfixturevalue(who)
    client = _client(user)
    assert client.get(URL).status_code == 200
    response = client.post(URL, VALID)
    assert response.status_code == 302
    assert response["Location"] == "/"
    made = Workspace.objects.get(name="Corner Shop")
    assert (made.slug, made.timezone, made.currency, made.week_start) == (
        "corner-shop",
        "Europe/Paris",
        "EUR",
        Workspace.WeekStart.SUNDAY,
    )
    assert list(made.memberships.values_list("user__email", "role")) == [(user.email, Membership.Role.OWNER)]
    assert client.session[SESSION_WORKSPACE_KEY] == "corner-shop"


def test_a_user_with_no_workspace_yet_makes_one():
    user = UserFactory(email="new@pulse.test")
    response = _client(user).post(URL, {**VALID, "slug": "corner"})
    assert response.status_code == 302
    assert Workspace.objects.get(slug="corner").memberships.get().user == user


def test_a_slug_typed_is_honoured_as_it_is(owner):
    _client(owner).post(URL, {**VALID, "slug": "shop-2026"})
    assert Workspace.objects.filter(slug="shop-2026", name="Corner Shop").exists()


@pytest.mark.parametrize(
    ("data", "field", "message_part"),
    [
        ({"slug": "acme"}, "slug", "taken"),
        ({"slug": "Not A Slug!"}, "slug", ""),
        ({"name": ""}, "name", ""),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone", ""),
        ({"currency": "ZZZ"}, "currency", "'ZZZ' is not an ISO 4217 currency code."),
        ({"week_start": "friday"}, "week_start", ""),
    ],
)
def test_bad_input_is_shown_next_to_its_field_and_writes_nothing(owner, data, field, message_part):
    before = set(Workspace.objects.values_list("slug", flat=True))
    response = _client(owner).post(URL, {**VALID, **data})
    assert response.status_code == 200
    errors = _errors(response)
    assert list(errors) == [field]
    assert message_part in " ".join(errors[field])
    assert set(Workspace.objects.values_list("slug", flat=True)) == before
    assert f'id="id_{field}' in response.content.decode()


def test_a_post_without_the_csrf_token_is_refused(owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    assert client.post(URL, VALID).status_code == 403
    assert not Workspace.objects.filter(name="Corner Shop").exists()


def test_the_workspace_pages_and_the_profile_link_to_it(owner):
    client = _client(owner)
    for page in ("/accounts/workspace/members/", "/accounts/profile/"):
        assert f'href="{URL}"' in client.get(page).content.decode()
