import re

import pytest
from django.core import mail

pytestmark = pytest.mark.django_db


def test_register_verify_login_me_refresh_logout(anon_api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = anon_api.post(
            "/api/v1/auth/register",
            {"email": "Ada@Example.com", "password": "a-long-enough-pass", "full_name": "Ada Lovelace"},
            format="json",
        )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["email"] == "ada@example.com"
    assert body["is_verified"] is False
    assert body["workspaces"] == [
        {"slug": "ada-lovelaces-workspace", "name": "Ada Lovelace's workspace", "role": "owner", "personal": True}
    ]

    assert len(mail.outbox) == 1
    token = re.search(r"Token: (\S+)", mail.outbox[0].body).group(1)
    verified = anon_api.post("/api/v1/auth/verify-email", {"token": token}, format="json")
    assert verified.status_code == 200
    assert verified.json() == {"verified": True}

    login = anon_api.post(
        "/api/v1/auth/login", {"email": "ada@example.com", "password": "a-long-enough-pass"}, format="json"
    )
    assert login.status_code == 200
    tokens = login.json()
    assert tokens["token_type"] == "bearer"

    anon_api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    me = anon_api.get("/api/v1/users/me")
    assert me.status_code == 200
    assert me.json()["email"] == "ada@example.com"
    anon_api.credentials()

    refreshed = anon_api.post("/api/v1/auth/refresh", {"refresh": tokens["refresh"]}, format="json")
    assert refreshed.status_code == 200
    new_refresh = refreshed.json()["refresh"]
    assert new_refresh != tokens["refresh"]

    # The rotated-out token is blacklisted.
    reused = anon_api.post("/api/v1/auth/refresh", {"refresh": tokens["refresh"]}, format="json")
    assert reused.status_code == 401
    assert reused.json()["error"]["code"] == "token_not_valid"

    assert anon_api.post("/api/v1/auth/logout", {"refresh": new_refresh}, format="json").status_code == 204
    after = anon_api.post("/api/v1/auth/refresh", {"refresh": new_refresh}, format="json")
    assert after.status_code == 401
