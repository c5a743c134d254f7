"""?cookie=1: tokens travel in HttpOnly, SameSite=Lax cookies instead of the response body."""

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

ACCESS, REFRESH = settings.JWT_ACCESS_COOKIE, settings.JWT_REFRESH_COOKIE


def _login(client, user):
    return client.post("/api/v1/auth/login?cookie=1", {"email": user.email, "password": PASSWORD}, format="json")


def test_login_with_cookie_sets_httponly_lax_cookies_and_no_tokens_in_the_body(owner):
    client = APIClient()
    response = _login(client, owner)
    assert response.status_code == 200
    assert response.json() == {"token_type": "cookie"}
    access, refresh = response.cookies[ACCESS], response.cookies[REFRESH]
    for cookie in (access, refresh):
        assert cookie["httponly"] is True
        assert cookie["samesite"] == "Lax"
        assert cookie.value.count(".") == 2  # a JWT
    assert access["path"] == "/"
    assert access["max-age"] == 15 * 60
    # The refresh token only travels to the auth endpoints.
    assert refresh["path"] == "/api/v1/auth/"
    assert refresh["max-age"] == 7 * 24 * 3600


def test_requests_are_authenticated_by_the_access_cookie(owner):
    client = APIClient()
    _login(client, owner)
    response = client.get("/api/v1/users/me")
    assert response.status_code == 200
    assert response.json()["email"] == "owner@acme.test"


def test_an_invalid_access_cookie_is_refused(owner):
    client = APIClient()
    client.cookies[ACCESS] = "not.a.jwt"
    response = client.get("/api/v1/users/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_not_valid"


def test_refresh_by_cookie_rotates_the_cookies(owner):
    client = APIClient()
    _login(client, owner)
    old_refresh = client.cookies[REFRESH].value
    response = client.post("/api/v1/auth/refresh", {}, format="json")
    assert response.status_code == 200
    assert response.json() == {"token_type": "cookie"}
    new_refresh = response.cookies[REFRESH].value
    assert new_refresh != old_refresh
    assert response.cookies[ACCESS]["httponly"] is True
    # The rotated-out cookie is blacklisted.
    replay = APIClient()
    replay.cookies[REFRESH] = old_refresh
    assert replay.post("/api/v1/auth/refresh", {}, format="json").status_code == 401
    # The new access cookie works.
    assert client.get("/api/v1/users/me").status_code == 200


def test_logout_by_cookie_blacklists_and_clears_the_cookies(owner):
    client = APIClient()
    _login(client, owner)
    refresh = client.cookies[REFRESH].value
    response = client.post("/api/v1/auth/logout", {}, format="json")
    assert response.status_code == 204
    for name in (ACCESS, REFRESH):
        assert response.cookies[name].value == ""
        assert response.cookies[name]["max-age"] == 0
    assert client.get("/api/v1/users/me").status_code == 401
    again = APIClient()
    again.cookies[REFRESH] = refresh
    assert again.post("/api/v1/auth/refresh", {}, format="json").status_code == 401


def test_refresh_without_body_or_cookie_is_invalid(anon_api):
    response = anon_api.post("/api/v1/auth/refresh", {}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"refresh": ["This field is required."]}


def test_cookie_mode_setting_applies_to_every_login(owner, settings):
    settings.JWT_COOKIE_MODE = True
    response = APIClient().post("/api/v1/auth/login", {"email": owner.email, "password": PASSWORD}, format="json")
    assert response.json() == {"token_type": "cookie"}
    assert ACCESS in response.cookies


def test_a_write_the_cookie_authenticates_needs_the_csrf_token(owner):
    """A forged cross-site form post carries the cookie but cannot carry the CSRF header."""
    client = APIClient(enforce_csrf_checks=True)
    login = _login(client, owner)
    assert login.status_code == 200
    csrf = login.cookies[settings.CSRF_COOKIE_NAME].value
    assert client.get("/api/v1/users/me").status_code == 200  # reads need no token
    forged = client.post("/api/v1/workspaces/", {"name": "Forged"}, format="json")
    assert forged.status_code == 403
    assert forged.json()["error"]["message"].startswith("CSRF Failed")
    made = client.post("/api/v1/workspaces/", {"name": "Mine"}, format="json", HTTP_X_CSRFTOKEN=csrf)
    assert made.status_code == 201, made.content
    assert [w["name"] for w in client.get("/api/v1/workspaces/").json()["results"]].count("Forged") == 0
    # A bearer header is never sent by a browser on its own: no CSRF token needed.
    bearer = APIClient(enforce_csrf_checks=True)
    access = client.cookies[ACCESS].value
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    assert bearer.post("/api/v1/workspaces/", {"name": "By bearer"}, format="json").status_code == 201


@pytest.mark.parametrize(("url", "answer"), [("/api/v1/auth/refresh", 200), ("/api/v1/auth/logout", 204)])
def test_refresh_and_logout_by_cookie_need_the_csrf_token(owner, url, answer):
    """A forged cross-site post would carry the refresh cookie: rotating or revoking the session
    by it needs the CSRF header. A token in the body needs none (no browser adds it)."""
    client = APIClient(enforce_csrf_checks=True)
    csrf = _login(client, owner).cookies[settings.CSRF_COOKIE_NAME].value
    forged = client.post(url, {}, format="json")
    assert forged.status_code == 403
    assert forged.json()["error"]["message"].startswith("CSRF Failed")
    assert client.get("/api/v1/users/me").status_code == 200  # the session is untouched
    assert client.post(url, {}, format="json", HTTP_X_CSRFTOKEN=csrf).status_code == answer

    by_body = APIClient(enforce_csrf_checks=True)
    refresh = by_body.post("/api/v1/auth/login", {"email": owner.email, "password": PASSWORD}, format="json").json()[
        "refresh"
    ]
    assert by_body.post(url, {"refresh": refresh}, format="json").status_code == answer
