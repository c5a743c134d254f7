"""Email verification: a signed, expiring token mailed at registration."""

import datetime as dt
import re
from urllib.parse import urlencode, urlsplit

import pytest
import time_machine
from django.core import mail, signing
from django.test import Client

from accounts.models import User
from accounts.services import VERIFY_EMAIL_SALT, email_verification_token, send_verification_email

pytestmark = pytest.mark.django_db


@pytest.fixture
def newcomer(db):
    from tests.factories import UserFactory

    return UserFactory(email="new@acme.test", is_verified=False)


def test_a_valid_token_verifies_the_user_and_reveals_nothing_about_them(anon_api, newcomer):
    response = anon_api.post("/api/v1/auth/verify-email", {"token": email_verification_token(newcomer)}, format="json")
    assert response.status_code == 200
    assert response.json() == {"verified": True}  # no profile, no workspaces to an anonymous caller
    newcomer.refresh_from_db()
    assert newcomer.is_verified is True


USED_MESSAGE = "This token was already used: the email address is confirmed."
USED = {"error": {"code": "token_used", "message": f"token: {USED_MESSAGE}", "fields": {"token": [USED_MESSAGE]}}}


def test_a_token_verifies_once(anon_api, newcomer):
    token = email_verification_token(newcomer)
    assert anon_api.post("/api/v1/auth/verify-email", {"token": token}, format="json").json() == {"verified": True}
    again = anon_api.post("/api/v1/auth/verify-email", {"token": token}, format="json")
    assert again.status_code == 400
    assert again.json() == USED
    newcomer.refresh_from_db()
    assert newcomer.is_verified is True


def test_a_token_of_an_already_verified_user_is_used_up(anon_api, newcomer):
    token = email_verification_token(newcomer)
    newcomer.is_verified = True
    newcomer.save(update_fields=["is_verified"])
    assert anon_api.post("/api/v1/auth/verify-email", {"token": token}, format="json").json() == USED


INVALID = {"error": {"code": "invalid", "message": "token: The token is invalid or has expired.",
                     "fields": {"token": ["The token is invalid or has expired."]}}}  # fmt: skip


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "",
        signing.dumps({"uid": 1, "email": "new@acme.test"}, salt="another-salt"),
        signing.dumps({"nothing": True}, salt=VERIFY_EMAIL_SALT),
        signing.dumps("just a string", salt=VERIFY_EMAIL_SALT),
    ],
)
def test_a_bad_token_is_refused(anon_api, newcomer, token):
    response = anon_api.post("/api/v1/auth/verify-email", {"token": token}, format="json")
    assert response.status_code == 400
    if token:
        assert response.json() == INVALID
    newcomer.refresh_from_db()
    assert newcomer.is_verified is False


def test_a_tampered_token_is_refused(anon_api, newcomer):
    token = email_verification_token(newcomer)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert anon_api.post("/api/v1/auth/verify-email", {"token": tampered}, format="json").json() == INVALID


def test_a_token_for_a_changed_address_is_refused(anon_api, newcomer):
    token = email_verification_token(newcomer)
    newcomer.email = "changed@acme.test"
    newcomer.save()
    assert anon_api.post("/api/v1/auth/verify-email", {"token": token}, format="json").status_code == 400


def test_an_expired_token_is_refused(anon_api, newcomer, settings):
    with time_machine.travel(dt.datetime(2026, 1, 1, tzinfo=dt.UTC), tick=False):
        token = email_verification_token(newcomer)
    late = dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=settings.EMAIL_VERIFICATION_MAX_AGE + 1)
    with time_machine.travel(late, tick=False):
        response = anon_api.post("/api/v1/auth/verify-email", {"token": token}, format="json")
    assert response.status_code == 400
    assert response.json() == INVALID
    on_time = dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=settings.EMAIL_VERIFICATION_MAX_AGE - 60)
    with time_machine.travel(on_time, tick=False):
        assert anon_api.post("/api/v1/auth/verify-email", {"token": token}, format="json").status_code == 200


def test_the_html_link_verifies_too(client, newcomer):
    response = client.get(f"/accounts/verify-email/?token={email_verification_token(newcomer)}", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/login/"
    assert "Your email address is confirmed." in response.content.decode()
    newcomer.refresh_from_db()
    assert newcomer.is_verified is True


def test_the_html_link_opened_twice_says_it_was_used(client, newcomer):
    link = f"/accounts/verify-email/?token={email_verification_token(newcomer)}"
    client.get(link)
    response = client.get(link, follow=True)
    assert "This confirmation link was already used: your email address is confirmed." in response.content.decode()


def test_the_html_link_with_a_bad_token_says_so(client, newcomer):
    response = client.get("/accounts/verify-email/?token=nope", follow=True)
    assert "This confirmation link is invalid or has expired." in response.content.decode()


# --- the mailed link ------------------------------------------------------------------------

LINK = re.compile(r"https?://\S+")


def _mailed_links() -> list[str]:
    assert len(mail.outbox) == 1
    return LINK.findall(mail.outbox[0].body)


def _follow(client, link: str):
    url = urlsplit(link)
    return client.get(f"{url.path}?{url.query}", follow=True)


def test_the_registration_mail_links_absolutely_to_the_host_registered_at(
    anon_api, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = anon_api.post(
            "/api/v1/auth/register", {"email": "ada@example.com", "password": "a-long-enough-pass"}, format="json"
        )
    assert response.status_code == 201, response.content
    token = re.search(r"Token: (\S+)", mail.outbox[0].body).group(1)
    assert _mailed_links() == [
        f"http://testserver/accounts/verify-email/?{urlencode({'token': token})}",
        "http://testserver/api/v1/auth/verify-email",
    ]
    response = _follow(client, _mailed_links()[0])
    assert "Your email address is confirmed." in response.content.decode()
    assert User.objects.get(email="ada@example.com").is_verified is True


def test_the_html_registration_mail_links_absolutely_too(client, django_capture_on_commit_callbacks, settings):
    settings.ALLOWED_HOSTS = ["pulse.example.com", "testserver"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/accounts/register/",
            {"email": "grace@navy.test", "password": "a-long-enough-pass"},
            HTTP_HOST="pulse.example.com",
            secure=True,
        )
    link = _mailed_links()[0]
    assert link.startswith("https://pulse.example.com/accounts/verify-email/?token=")
    _follow(Client(), link)
    assert User.objects.get(email="grace@navy.test").is_verified is True


def test_a_mail_sent_outside_a_request_links_to_the_base_url_setting(client, newcomer, settings):
    settings.PULSE_BASE_URL = "https://pulse.example.com/"
    # The token carries its second: the mail's and the expected one are made in the same one.
    with time_machine.travel(dt.datetime.now(dt.UTC), tick=False):
        send_verification_email(newcomer)
        query = urlencode({"token": email_verification_token(newcomer)})
    link = _mailed_links()[0]
    assert link == f"https://pulse.example.com/accounts/verify-email/?{query}"
    response = _follow(client, link)
    assert response.redirect_chain[-1][0] == "/accounts/login/"
    newcomer.refresh_from_db()
    assert newcomer.is_verified is True


def test_the_base_url_setting_defaults_to_the_local_server():
    from django.conf import settings

    assert settings.PULSE_BASE_URL == "http://127.0.0.1:8000"
