"""The profile: name, an email change confirmed by a single-use, expiring link (the old address
told), and the verification mail again; through the API and the account page."""

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.conf import settings
from django.core import mail, signing
from django.test import Client
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import User
from accounts.profile import EMAIL_CHANGE_SALT, email_change_token
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/users/me"
VERIFY = "/api/v1/auth/verify-email"
RESEND = "/api/v1/auth/verify-email/resend"


def _token(message) -> str:
    return re.search(r"^Token: (\S+)$", message.body, re.MULTILINE).group(1)


def _change(client, email: str, password: str = PASSWORD, callbacks=None):
    with callbacks(execute=True):
        return client.patch(ME, {"email": email, "current_password": password}, format="json")


def test_patch_changes_the_name(api_as, owner):
    response = api_as(owner).patch(ME, {"full_name": "Ada Lovelace"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["full_name"], body["email"], body["pending_email"]) == ("Ada Lovelace", "owner@acme.test", None)
    owner.refresh_from_db()
    assert owner.full_name == "Ada Lovelace"
    assert mail.outbox == []


def test_an_email_change_mails_a_link_to_the_new_address_and_keeps_the_old_one(
    api_as, owner, django_capture_on_commit_callbacks
):
    response = _change(api_as(owner), "Ada@New.test", callbacks=django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert response.json()["pending_email"] == "ada@new.test"
    assert response.json()["email"] == "owner@acme.test"
    owner.refresh_from_db()
    assert owner.email == "owner@acme.test"
    (message,) = mail.outbox
    assert (message.to, message.subject) == (["ada@new.test"], "Confirm your new Pulse email address")
    link = re.search(r"(http://testserver/accounts/verify-email/\?token=\S+)", message.body).group(1)
    assert parse_qs(urlsplit(link).query)["token"] == [_token(message)]


def test_the_token_moves_the_account_and_tells_the_old_address(
    api_as, anon_api, owner, django_capture_on_commit_callbacks
):
    _change(api_as(owner), "ada@new.test", callbacks=django_capture_on_commit_callbacks)
    token = _token(mail.outbox[0])
    with django_capture_on_commit_callbacks(execute=True):
        response = anon_api.post(VERIFY, {"token": token}, format="json")
    assert response.status_code == 200
    assert response.json() == {"verified": True}  # nothing about the account
    owner.refresh_from_db()
    assert owner.is_verified
    assert owner.email == "ada@new.test"
    assert owner.email_changed_at is not None
    notice = mail.outbox[1]
    assert (notice.to, notice.subject) == (["owner@acme.test"], "Your Pulse email address was changed")
    assert "from owner@acme.test to ada@new.test" in notice.body
    # The old address no longer logs in; the new one does.
    login = anon_api.post("/api/v1/auth/login", {"email": "ada@new.test", "password": PASSWORD}, format="json")
    assert login.status_code == 200


def test_an_email_change_link_works_once(api_as, anon_api, owner, django_capture_on_commit_callbacks):
    _change(api_as(owner), "ada@new.test", callbacks=django_capture_on_commit_callbacks)
    token = _token(mail.outbox[0])
    assert anon_api.post(VERIFY, {"token": token}, format="json").status_code == 200
    again = anon_api.post(VERIFY, {"token": token}, format="json")
    assert again.status_code == 400
    message = "This link was already used, or a later change replaced it."
    assert again.json()["error"] == {
        "code": "token_used",
        "message": f"token: {message}",
        "fields": {"token": [message]},
    }


def test_a_link_replaced_by_a_later_change_is_refused_even_back_at_the_old_address(anon_api, owner):
    to_b = email_change_token(owner, "b@new.test")
    assert anon_api.post(VERIFY, {"token": to_b}, format="json").status_code == 200
    owner.refresh_from_db()
    to_a = email_change_token(owner, "owner@acme.test")
    assert anon_api.post(VERIFY, {"token": to_a}, format="json").status_code == 200
    # The account is back at its first address, but the first link was used: refused.
    assert anon_api.post(VERIFY, {"token": to_b}, format="json").json()["error"]["code"] == "token_used"
    owner.refresh_from_db()
    assert owner.email == "owner@acme.test"


def test_an_email_change_link_expires(anon_api, owner):
    start = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        token = email_change_token(owner, "ada@new.test")
    with time_machine.travel(start + dt.timedelta(seconds=settings.EMAIL_VERIFICATION_MAX_AGE + 1), tick=False):
        late = anon_api.post(VERIFY, {"token": token}, format="json")
    assert late.status_code == 400
    assert late.json()["error"]["fields"] == {"token": ["The token is invalid or has expired."]}
    owner.refresh_from_db()
    assert owner.email == "owner@acme.test"


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        signing.dumps({"uid": 1, "old": "owner@acme.test", "new": "x@y.test", "since": ""}, salt="another-salt"),
        signing.dumps({"uid": "one", "old": "a", "new": "b", "since": ""}, salt=EMAIL_CHANGE_SALT),
        signing.dumps(["not", "a", "dict"], salt=EMAIL_CHANGE_SALT),
    ],
)
def test_tampered_email_change_tokens_are_refused(anon_api, owner, token):
    response = anon_api.post(VERIFY, {"token": token}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"token": ["The token is invalid or has expired."]}
    owner.refresh_from_db()
    assert owner.email == "owner@acme.test"


def test_a_forged_token_for_someone_else_is_refused(anon_api, owner, outsider):
    token = email_change_token(owner, "ada@new.test")
    forged = token.replace(
        token.split(":")[0], signing.dumps({"uid": outsider.pk}, salt=EMAIL_CHANGE_SALT).split(":")[0]
    )
    assert anon_api.post(VERIFY, {"token": forged}, format="json").status_code == 400


def test_an_address_of_another_account_gets_the_same_answer_and_a_notice(
    api_as, owner, outsider, django_capture_on_commit_callbacks
):
    client = api_as(owner)
    taken = _change(client, "owner@globex.test", callbacks=django_capture_on_commit_callbacks)
    free = _change(client, "free@globex.test", callbacks=django_capture_on_commit_callbacks)
    assert taken.status_code == free.status_code == 200
    assert taken.json()["pending_email"] == "owner@globex.test"
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["owner@globex.test"], "Your Pulse address was not changed"),
        (["free@globex.test"], "Confirm your new Pulse email address"),
    ]
    assert "Token:" not in mail.outbox[0].body


def test_confirming_an_address_taken_since_is_a_conflict(anon_api, owner):
    token = email_change_token(owner, "late@new.test")
    UserFactory(email="late@new.test")
    response = anon_api.post(VERIFY, {"token": token}, format="json")
    assert response.status_code == 409
    owner.refresh_from_db()
    assert owner.email == "owner@acme.test"


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"email": "ada@new.test"},
         {"current_password": ["Enter your current password to change your email address."]}),
        ({"email": "ada@new.test", "current_password": "wrong"},
         {"current_password": ["Enter your current password to change your email address."]}),
        ({"email": "not-an-address", "current_password": PASSWORD}, {"email": ["Enter a valid email address."]}),
        ({"full_name": "x" * 151}, {"full_name": ["Ensure this field has no more than 150 characters."]}),
        ({"is_staff": True, "full_name": "Ok"}, None),
    ],
)  # fmt: skip
def test_bad_profile_input_is_a_field_error_and_writes_nothing(api_as, owner, payload, fields):
    before = User.objects.filter(pk=owner.pk).values().get()
    response = api_as(owner).patch(ME, payload, format="json")
    if fields is None:  # unknown fields are ignored, never written
        assert response.status_code == 200
        owner.refresh_from_db()
        assert (owner.is_staff, owner.full_name) == (False, "Ok")
        return
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == fields
    assert User.objects.filter(pk=owner.pk).values().get() == before
    assert mail.outbox == []


def test_the_same_address_is_no_change(api_as, owner):
    response = api_as(owner).patch(ME, {"email": "OWNER@acme.test"}, format="json")
    assert response.status_code == 200
    assert response.json()["pending_email"] is None


def test_profile_needs_a_login(anon_api):
    assert anon_api.patch(ME, {"full_name": "X"}, format="json").status_code == 401


def test_email_changes_are_throttled_with_password_changes(api_as, owner, monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES,
                                                              "password_change": "2/hour"})  # fmt: skip
    client = api_as(owner)
    for _ in range(2):
        assert client.patch(ME, {"email": "a@b.test", "current_password": "guess"}, format="json").status_code == 400
    assert client.patch(ME, {"email": "a@b.test", "current_password": PASSWORD}, format="json").status_code == 429
    assert client.patch(ME, {"full_name": "Names are not throttled"}, format="json").status_code == 200


# --- resend verification ----------------------------------------------------------------------


@pytest.fixture
def unverified(db):
    return UserFactory(email="new@acme.test", is_verified=False)


def test_resend_mails_the_verification_link_again(api_as, unverified, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(unverified).post(RESEND)
    assert response.status_code == 202
    assert response.json() == {"detail": "We sent a new confirmation link to new@acme.test."}
    (message,) = mail.outbox
    assert (message.to, message.subject) == (["new@acme.test"], "Confirm your Pulse email address")


def test_resend_to_a_verified_address_is_a_conflict(api_as, owner):
    response = api_as(owner).post(RESEND)
    assert response.status_code == 409
    assert response.json()["error"]["message"] == "Your email address is already confirmed."


def test_resend_is_throttled_per_user(api_as, unverified, monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES,
                                                              "verify_resend": "2/hour"})  # fmt: skip
    client = api_as(unverified)
    assert [client.post(RESEND).status_code for _ in range(3)] == [202, 202, 429]


def test_resend_needs_a_login(anon_api):
    assert anon_api.post(RESEND).status_code == 401


# --- the account page -------------------------------------------------------------------------


def _browser(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def test_the_account_page_shows_the_forms_with_labels(owner):
    page = _browser(owner).get("/accounts/profile/").content.decode()
    for field in ("full_name", "email", "current_password"):
        assert f'<label for="id_{field}">' in page
    assert 'value="owner@acme.test"' in page
    assert '<a class="button" href="/accounts/password/change/" id="password-change-link">' in page
    assert 'id="resend-form"' not in page  # verified already


def test_the_account_page_saves_the_name_and_starts_an_email_change(owner, django_capture_on_commit_callbacks):
    browser = _browser(owner)
    data = {"full_name": "Ada", "email": "ada@new.test", "current_password": PASSWORD}
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post("/accounts/profile/", data)
    assert (response.status_code, response["Location"]) == (302, "/accounts/profile/")
    owner.refresh_from_db()
    assert (owner.full_name, owner.email) == ("Ada", "owner@acme.test")
    shown = [str(m) for m in browser.get("/accounts/profile/").context["messages"]]
    assert shown == [
        "Your profile was saved.",
        "We sent a link to ada@new.test: your address changes once you open it.",
    ]
    token = _token(mail.outbox[0])
    opened = browser.get(f"/accounts/verify-email/?token={token}")
    assert opened.status_code == 302
    owner.refresh_from_db()
    assert owner.email == "ada@new.test"


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"full_name": "Ada", "email": "ada@new.test"},
         {"current_password": ["Enter your current password to change your email address."]}),
        ({"full_name": "Ada", "email": "ada@new.test", "current_password": "wrong"},
         {"current_password": ["Enter your current password to change your email address."]}),
        ({"full_name": "Ada", "email": ""}, {"email": ["This field is required."]}),
    ],
)  # fmt: skip
def test_the_account_page_shows_field_errors_and_writes_nothing(owner, data, errors):
    browser = _browser(owner)  # logging in writes last_login
    before = User.objects.filter(pk=owner.pk).values().get()
    response = browser.post("/accounts/profile/", data)
    assert response.status_code == 200
    assert response.context["form"].errors == errors
    assert User.objects.filter(pk=owner.pk).values().get() == before
    assert mail.outbox == []


def test_the_account_page_resends_the_verification(unverified, django_capture_on_commit_callbacks):
    browser = _browser(unverified)
    assert 'id="resend-form"' in browser.get("/accounts/profile/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post("/accounts/verify-email/resend/")
    assert response["Location"] == "/accounts/profile/"
    assert [m.to for m in mail.outbox] == [["new@acme.test"]]


def test_the_account_page_needs_a_login(db):
    response = Client().get("/accounts/profile/")
    assert (response.status_code, response["Location"]) == (302, "/accounts/login/?next=/accounts/profile/")
