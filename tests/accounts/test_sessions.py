"""Password change and "log out everywhere": every other session, refresh token and access token
ends, through the API and the HTML pages."""

import pytest
from django.test import Client
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.tokens import PulseRefreshToken
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

CHANGE = "/api/v1/auth/password/change"
LOGOUT_ALL = "/api/v1/auth/logout-all"
NEW_PASSWORD = "a-brand-new-passphrase"


def _login(user) -> dict:
    return APIClient().post("/api/v1/auth/login", {"email": user.email, "password": PASSWORD}, format="json").json()


def _bearer(access: str) -> APIClient:
    return APIClient(HTTP_AUTHORIZATION=f"Bearer {access}")


def _browser(user) -> Client:
    browser = Client()
    assert browser.post("/accounts/login/", {"username": user.email, "password": PASSWORD}).status_code == 302
    return browser


def _logged_in(browser: Client) -> bool:
    return browser.get("/accounts/profile/").status_code == 200


def test_login_tokens_carry_the_login_epoch(owner):
    tokens = _login(owner)
    assert PulseRefreshToken(tokens["refresh"])["epoch"] == 0


def test_changing_the_password_ends_the_other_sessions_and_tokens(owner):
    first, second = _login(owner), _login(owner)
    other_browser = _browser(owner)
    response = _bearer(first["access"]).post(
        CHANGE, {"current_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access", "refresh", "token_type"}
    assert body["token_type"] == "bearer"
    owner.refresh_from_db()
    assert owner.check_password(NEW_PASSWORD)
    assert owner.login_epoch == 1
    # Both earlier refresh tokens are blacklisted, both earlier access tokens refused.
    blacklisted = set(BlacklistedToken.objects.values_list("token__jti", flat=True))
    jtis = {PulseRefreshToken(tokens["refresh"], verify=False)["jti"] for tokens in (first, second)}
    assert jtis <= blacklisted
    for access in (first["access"], second["access"]):
        refused = _bearer(access).get("/api/v1/users/me")
        assert refused.status_code == 401
        assert refused.json()["error"] == {
            "code": "token_revoked", "message": "This token was revoked: log in again.", "fields": {}
        }  # fmt: skip
    refresh = APIClient().post("/api/v1/auth/refresh", {"refresh": second["refresh"]}, format="json")
    assert refresh.status_code == 401
    assert not _logged_in(other_browser)
    # The new pair works.
    assert _bearer(body["access"]).get("/api/v1/users/me").status_code == 200
    assert APIClient().post("/api/v1/auth/refresh", {"refresh": body["refresh"]}, format="json").status_code == 200


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"current_password": "wrong-one", "new_password": NEW_PASSWORD},
         {"current_password": ["Your current password is not correct."]}),
        ({"current_password": PASSWORD, "new_password": "short"},
         {"new_password": ["This password is too short. It must contain at least 8 characters."]}),
        ({"current_password": PASSWORD, "new_password": PASSWORD},
         {"new_password": ["Choose a password different from your current one."]}),
        ({"new_password": NEW_PASSWORD}, {"current_password": ["This field is required."]}),
    ],
)  # fmt: skip
def test_bad_input_is_a_field_error_and_changes_nothing(api_as, owner, payload, fields):
    tokens = _login(owner)
    response = api_as(owner).post(CHANGE, payload, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == fields
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)
    assert owner.login_epoch == 0
    assert not BlacklistedToken.objects.exists()
    assert _bearer(tokens["access"]).get("/api/v1/users/me").status_code == 200


def test_password_change_needs_a_login(anon_api, owner):
    response = anon_api.post(CHANGE, {"current_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json")
    assert response.status_code == 401
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)


def test_password_changes_are_throttled_per_user(api_as, owner, monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES,
                                                              "password_change": "2/hour"})  # fmt: skip
    client = api_as(owner)
    for _ in range(2):
        assert client.post(CHANGE, {"current_password": "guess", "new_password": NEW_PASSWORD}).status_code == 400
    response = client.post(CHANGE, {"current_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json")
    assert response.status_code == 429
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)


def test_a_session_that_changes_the_password_through_the_api_stays_logged_in(owner):
    browser, other = _browser(owner), _browser(owner)
    token = browser.cookies["csrftoken"].value
    response = browser.post(
        CHANGE, {"current_password": PASSWORD, "new_password": NEW_PASSWORD}, content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )  # fmt: skip
    assert response.status_code == 200
    assert _logged_in(browser)
    assert not _logged_in(other)


def test_the_password_page_changes_it_and_keeps_this_session(owner):
    browser, other = _browser(owner), _browser(owner)
    form = browser.get("/accounts/password/change/").content.decode()
    assert 'for="id_old_password"' in form
    assert 'for="id_new_password1"' in form
    data = {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    response = browser.post("/accounts/password/change/", data)
    assert (response.status_code, response["Location"]) == (302, "/accounts/profile/")
    owner.refresh_from_db()
    assert owner.check_password(NEW_PASSWORD)
    assert owner.login_epoch == 1
    assert _logged_in(browser)
    assert not _logged_in(other)


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
         {"old_password": ["Your old password was entered incorrectly. Please enter it again."]}),
        ({"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": "different-words"},
         {"new_password2": ["The two password fields didn’t match."]}),
        ({"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
         {"new_password2": ["This password is too common.", "This password is entirely numeric."]}),
    ],
)  # fmt: skip
def test_the_password_page_shows_field_errors_and_changes_nothing(owner, data, errors):
    browser = _browser(owner)
    response = browser.post("/accounts/password/change/", data)
    assert response.status_code == 200
    assert response.context["form"].errors == errors
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)
    assert owner.login_epoch == 0


def test_the_password_page_needs_a_login(db):
    response = Client().get("/accounts/password/change/")
    assert (response.status_code, response["Location"]) == (302, "/accounts/login/?next=/accounts/password/change/")


# --- log out everywhere -----------------------------------------------------------------------


def test_logout_all_ends_every_session_and_token(owner, outsider):
    first, second = _login(owner), _login(owner)
    browser = _browser(owner)
    bystander = _login(outsider)
    response = _bearer(first["access"]).post(LOGOUT_ALL)
    assert response.status_code == 204
    assert response.content == b""
    owner.refresh_from_db()
    assert owner.login_epoch == 1
    mine = OutstandingToken.objects.filter(user=owner)
    assert mine.count() == 2
    assert all(BlacklistedToken.objects.filter(token=token).exists() for token in mine)
    for tokens in (first, second):
        assert _bearer(tokens["access"]).get("/api/v1/users/me").status_code == 401
        assert APIClient().post("/api/v1/auth/refresh", {"refresh": tokens["refresh"]}).status_code == 401
    assert not _logged_in(browser)
    # Someone else is not touched.
    assert _bearer(bystander["access"]).get("/api/v1/users/me").status_code == 200
    assert not BlacklistedToken.objects.filter(token__user=outsider).exists()
    # Logging in again works.
    assert _bearer(_login(owner)["access"]).get("/api/v1/users/me").status_code == 200


def test_logout_all_clears_the_cookies_of_cookie_mode(owner):
    client = APIClient()
    client.post("/api/v1/auth/login?cookie=1", {"email": owner.email, "password": PASSWORD}, format="json")
    response = client.post(LOGOUT_ALL, HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
    assert response.status_code == 204
    assert response.cookies["pulse_access"].value == ""
    assert response.cookies["pulse_refresh"].value == ""


def test_logout_all_needs_a_login(anon_api):
    assert anon_api.post(LOGOUT_ALL).status_code == 401


def test_the_account_page_button_logs_out_everywhere(owner):
    browser, other = _browser(owner), _browser(owner)
    tokens = _login(owner)
    page = browser.get("/accounts/profile/").content.decode()
    assert '<form method="post" action="/accounts/logout-all/" id="logout-all-form">' in page
    response = browser.post("/accounts/logout-all/")
    assert (response.status_code, response["Location"]) == (302, "/accounts/login/")
    assert not _logged_in(browser)
    assert not _logged_in(other)
    assert _bearer(tokens["access"]).get("/api/v1/users/me").status_code == 401


def test_logout_all_page_refuses_get(owner):
    assert _browser(owner).get("/accounts/logout-all/").status_code == 405
