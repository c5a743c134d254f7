"""Password reset by email: no account enumeration, throttled, single-use and expiring links,
through the API and the HTML pages."""

import datetime as dt
import re

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

from accounts import tasks
from accounts.models import User
from accounts.passwords import reset_uid
from accounts.tokens import PulseRefreshToken
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

RESET = "/api/v1/auth/password/reset"
CONFIRM = "/api/v1/auth/password/reset/confirm"
SENT = {"detail": "If an account uses this address, we sent it a link to set a new password."}
NEW_PASSWORD = "a-brand-new-passphrase"
BAD_LINK = "This password reset link is invalid or has expired: ask for a new one."


@pytest.fixture
def member(db):
    return UserFactory(email="member@acme.test", is_verified=False)


def _link_parts(message) -> tuple[str, str]:
    match = re.search(r"/accounts/password/reset/([^/\s]+)/([^/\s]+)/", message.body)
    return match.group(1), match.group(2)


@pytest.fixture
def sent_tasks(monkeypatch):
    """The reset tasks the requests send, held back instead of run (the broker's side, not ours)."""
    held = []
    monkeypatch.setattr(
        tasks.send_password_reset, "apply_async", lambda args, kwargs, **options: held.append((args, kwargs))
    )
    return held


def test_an_address_with_and_one_without_an_account_get_the_same_answer_and_work(member, sent_tasks):
    answers, queries = [], []
    for email in ("member@acme.test", "nobody@acme.test"):
        with CaptureQueriesContext(connection) as captured:
            response = APIClient().post(RESET, {"email": email}, format="json")
        answers.append((response.status_code, response.content, response.get("Content-Type")))
        queries.append(len(captured))
    assert answers[0] == answers[1] == (202, b'{"detail":"If an account uses this address, we sent it a link'
                                             b' to set a new password."}', "application/json")  # fmt: skip
    # The request looks nothing up: it sends the address to a task, whatever it is.
    assert queries[0] == queries[1]
    assert [args for args, _ in sent_tasks] == [("member@acme.test", "http://testserver/"),
                                               ("nobody@acme.test", "http://testserver/")]  # fmt: skip
    assert mail.outbox == []
    for args, kwargs in sent_tasks:  # what the worker does
        tasks.send_password_reset.run(*args, **kwargs)
    assert [message.to for message in mail.outbox] == [["member@acme.test"]]


def test_the_mail_holds_a_link_and_the_api_values(member):
    APIClient().post(RESET, {"email": "MEMBER@acme.test "}, format="json")
    (message,) = mail.outbox
    uid, token = _link_parts(message)
    assert message.subject == "Set a new Pulse password"
    assert uid == reset_uid(member)
    assert default_token_generator.check_token(member, token)
    assert f"http://testserver/accounts/password/reset/{uid}/{token}/" in message.body
    assert f'{{"uid": "{uid}", "token": "{token}", "new_password": "…"}}' in message.body
    assert "POST http://testserver/api/v1/auth/password/reset/confirm" in message.body


@pytest.mark.parametrize("payload", [{}, {"email": "not-an-address"}, {"email": ""}])
def test_a_bad_address_is_a_field_error(payload, member):
    response = APIClient().post(RESET, payload, format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["email"]
    assert mail.outbox == []


def test_inactive_accounts_and_unusable_passwords_get_no_mail(db):
    UserFactory(email="gone@acme.test", is_active=False)
    sso = UserFactory(email="sso@acme.test")
    sso.set_unusable_password()
    sso.save()
    for email in ("gone@acme.test", "sso@acme.test"):
        assert APIClient().post(RESET, {"email": email}, format="json").json() == SENT
    assert mail.outbox == []


@pytest.fixture
def low_rates(monkeypatch):
    rates = {**SimpleRateThrottle.THROTTLE_RATES, "password_reset_ip": "4/hour", "password_reset_account": "2/hour"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)


def _assert_throttled(response):
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert 0 < int(response["Retry-After"]) <= 3600


@pytest.mark.parametrize("email", ["member@acme.test", "nobody@acme.test"])
def test_requests_are_throttled_per_address_alike_whether_it_has_an_account(member, low_rates, email):
    for n in range(2):
        assert APIClient(REMOTE_ADDR=f"10.0.0.{n}").post(RESET, {"email": email}, format="json").status_code == 202
    _assert_throttled(APIClient(REMOTE_ADDR="10.0.0.9").post(RESET, {"email": email.upper()}, format="json"))
    assert APIClient(REMOTE_ADDR="10.0.0.9").post(RESET, {"email": "else@acme.test"}, format="json").status_code == 202


def test_requests_are_throttled_per_client(member, low_rates):
    client = APIClient(REMOTE_ADDR="10.2.0.1")
    for n in range(4):
        assert client.post(RESET, {"email": f"u{n}@acme.test"}, format="json").status_code == 202
    _assert_throttled(client.post(RESET, {"email": "member@acme.test"}, format="json"))
    assert len(mail.outbox) == 0


def test_the_link_sets_a_new_password_and_ends_every_session_and_token(member):
    refresh = PulseRefreshToken.for_user(member)
    browser = Client()
    browser.force_login(member)
    uid, token = reset_uid(member), default_token_generator.make_token(member)
    response = APIClient().post(CONFIRM, {"uid": uid, "token": token, "new_password": NEW_PASSWORD}, format="json")
    assert response.status_code == 200
    assert response.json() == {"detail": "Your password was changed: log in with the new one."}
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)
    assert member.is_verified is True  # the link reached the mailbox
    assert member.login_epoch == 1
    assert BlacklistedToken.objects.filter(token__jti=refresh["jti"]).exists()
    old_access = APIClient(HTTP_AUTHORIZATION=f"Bearer {refresh.access_token}").get("/api/v1/users/me")
    assert old_access.status_code == 401
    assert old_access.json()["error"]["code"] == "token_revoked"
    assert browser.get("/accounts/profile/").status_code == 302  # the session ended
    login = APIClient().post("/api/v1/auth/login", {"email": member.email, "password": NEW_PASSWORD}, format="json")
    assert login.status_code == 200


def test_a_link_works_once(member):
    uid, token = reset_uid(member), default_token_generator.make_token(member)
    body = {"uid": uid, "token": token, "new_password": NEW_PASSWORD}
    assert APIClient().post(CONFIRM, body, format="json").status_code == 200
    again = APIClient().post(CONFIRM, {**body, "new_password": "yet-another-passphrase"}, format="json")
    assert again.status_code == 400
    assert again.json()["error"] == {
        "code": "invalid",
        "message": f"token: {BAD_LINK}",
        "fields": {"token": [BAD_LINK]},
    }
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)


def test_a_link_expires(member):
    start = dt.datetime(2026, 5, 1, 12, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        uid, token = reset_uid(member), default_token_generator.make_token(member)
    body = {"uid": uid, "token": token, "new_password": NEW_PASSWORD}
    with time_machine.travel(start + dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 1), tick=False):
        late = APIClient().post(CONFIRM, body, format="json")
    assert late.status_code == 400
    assert late.json()["error"]["fields"] == {"token": [BAD_LINK]}
    member.refresh_from_db()
    assert member.check_password(PASSWORD)
    with time_machine.travel(start + dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT - 60), tick=False):
        assert APIClient().post(CONFIRM, body, format="json").status_code == 200


def test_a_link_ends_when_the_user_logs_in_again(member):
    uid, token = reset_uid(member), default_token_generator.make_token(member)
    APIClient().post("/api/v1/auth/login", {"email": member.email, "password": PASSWORD}, format="json")
    body = {"uid": uid, "token": token, "new_password": NEW_PASSWORD}
    assert APIClient().post(CONFIRM, body, format="json").status_code == 400


def _tampered(member, other):
    uid, token = reset_uid(member), default_token_generator.make_token(member)
    return [
        {"uid": uid, "token": token[:-1] + ("0" if token[-1] != "0" else "1")},  # a changed signature
        {"uid": reset_uid(other), "token": token},  # another user's id with this user's token
        {"uid": "bm90LWFuLWlk", "token": token},  # "not-an-id"
        {"uid": "%%%", "token": token},
        {"uid": uid, "token": "garbage"},
        {"uid": "OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OQ", "token": token},  # an id past any integer column
    ]


def test_tampered_links_are_refused_and_write_nothing(member):
    other = UserFactory(email="other@acme.test")
    for parts in _tampered(member, other):
        response = APIClient().post(CONFIRM, {**parts, "new_password": NEW_PASSWORD}, format="json")
        assert response.status_code == 400, parts
        assert response.json()["error"]["fields"] == {"token": [BAD_LINK]}
    for user in (member, other):
        user.refresh_from_db()
        assert user.check_password(PASSWORD)
        assert user.login_epoch == 0


@pytest.mark.parametrize(
    ("password", "message"),
    [("short", "This password is too short. It must contain at least 8 characters."),
     ("12345678", "This password is too common."), ("", "This field may not be blank.")],
)  # fmt: skip
def test_a_weak_password_is_a_field_error_and_keeps_the_link_usable(member, password, message):
    uid, token = reset_uid(member), default_token_generator.make_token(member)
    response = APIClient().post(CONFIRM, {"uid": uid, "token": token, "new_password": password}, format="json")
    assert response.status_code == 400
    assert message in response.json()["error"]["fields"]["new_password"]
    member.refresh_from_db()
    assert member.check_password(PASSWORD)
    body = {"uid": uid, "token": token, "new_password": NEW_PASSWORD}
    assert APIClient().post(CONFIRM, body, format="json").status_code == 200


# --- the HTML pages ---------------------------------------------------------------------------


def test_the_login_page_links_to_the_reset_page(db):
    page = Client().get("/accounts/login/").content.decode()
    assert '<a href="/accounts/password/reset/" id="forgot-password">Forgot your password?</a>' in page


@pytest.mark.parametrize("email", ["member@acme.test", "nobody@acme.test"])
def test_the_reset_form_answers_alike_for_any_address(member, email):
    response = Client().post("/accounts/password/reset/", {"email": email})
    assert (response.status_code, response["Location"]) == (302, "/accounts/password/reset/sent/")
    sent = Client().get(response["Location"]).content.decode()
    assert "If an account uses this address, we sent it a link to set a new password." in sent
    assert [message.to for message in mail.outbox] == ([["member@acme.test"]] if email == "member@acme.test" else [])


def test_the_reset_form_shows_a_field_error(member):
    response = Client().post("/accounts/password/reset/", {"email": "nope"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"email": ["Enter a valid email address."]}
    assert 'aria-invalid="true"' in response.content.decode()
    assert mail.outbox == []


def test_the_reset_form_shares_the_api_counters(member, low_rates):
    for _ in range(2):
        APIClient(REMOTE_ADDR="10.3.0.1").post(RESET, {"email": "member@acme.test"}, format="json")
    response = Client(REMOTE_ADDR="10.3.0.2").post("/accounts/password/reset/", {"email": "member@acme.test"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many attempts." in response.content.decode()


def test_the_mailed_link_sets_the_password_in_the_browser(member):
    Client().post("/accounts/password/reset/", {"email": "member@acme.test"})
    uid, token = _link_parts(mail.outbox[0])
    browser = Client()
    opened = browser.get(f"/accounts/password/reset/{uid}/{token}/")
    # The token leaves the address bar (no Referer can leak it) for the session.
    assert (opened.status_code, opened["Location"]) == (302, f"/accounts/password/reset/{uid}/set-password/")
    form = browser.get(opened["Location"])
    assert form.status_code == 200
    assert form.context["validlink"] is True
    mismatch = browser.post(opened["Location"], {"new_password1": NEW_PASSWORD, "new_password2": "other-words"})
    assert mismatch.context["form"].errors == {"new_password2": ["The two password fields didn’t match."]}
    member.refresh_from_db()
    assert member.check_password(PASSWORD)
    done = browser.post(opened["Location"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert (done.status_code, done["Location"]) == (302, "/accounts/login/")
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)
    assert member.login_epoch == 1
    reused = Client().get(f"/accounts/password/reset/{uid}/{token}/")
    assert reused.status_code == 200
    assert reused.context["validlink"] is False
    assert "This password reset link is invalid, was used already or has expired." in reused.content.decode()


def test_a_tampered_link_shows_the_invalid_page(member):
    response = Client().get(f"/accounts/password/reset/{reset_uid(member)}/abc-def/")
    assert response.status_code == 200
    assert response.context["validlink"] is False


def test_no_account_is_written_by_a_request(member):
    before = list(User.objects.values_list("pk", "password", "login_epoch"))
    APIClient().post(RESET, {"email": "member@acme.test"}, format="json")
    assert list(User.objects.values_list("pk", "password", "login_epoch")) == before
