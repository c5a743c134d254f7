"""A cached insight answered at the framework's cost: its JSON kept as bytes, an ETag from the
data version, ``304 Not Modified`` on a matching ``If-None-Match``, one SQL statement per hit
(the user with their membership; no transaction), and roles that count at once."""

import datetime as dt
import hashlib
import json
from decimal import Decimal

import pytest
import structlog
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework_simplejwt.backends import TokenBackend
from rest_framework_simplejwt.tokens import AccessToken

from accounts.authentication import _VerifiedTokens
from accounts.models import Membership
from tests.conftest import bearer_client
from tests.ecommerce.conftest import utc
from tests.ecommerce.factories import SalesLineFactory

pytestmark = pytest.mark.django_db

KPIS = "/api/v1/ecommerce/kpis"
FEBRUARY = {"date_from": "2011-02-01", "date_to": "2011-02-28"}
VARY = "Authorization, Cookie, X-Workspace, Accept, origin"


def expected_etag(workspace, params: dict) -> str:
    """The ETag written out from its definition: the body's cache key (namespace, workspace,
    insight and form, digest of the key parameters) with the workspace's current data version."""
    digest = hashlib.sha1(json.dumps(params, sort_keys=True).encode(), usedforsecurity=False).hexdigest()
    version = cache.get(f"ver:{{ecommerce:{workspace.pk}}}")
    key = f"body:{{ecommerce:{workspace.pk}}}:ecommerce.kpis.json:{digest}:{version}"
    return 'W/"' + hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()[:32] + '"'


WHOLE_HISTORY_KEY = {"period": [None, None], "compare": "previous", "timezone": "UTC"}


def test_a_hit_writes_the_stored_bytes_with_an_etag_and_private_caching(shop, owner, api_as):
    client = api_as(owner)
    first = client.get(KPIS)
    assert first.status_code == 200
    assert (first["Content-Type"], first["Cache-Control"], first["Vary"]) == (
        "application/json",
        "private, no-cache",
        VARY,
    )
    assert first["ETag"] == expected_etag(shop, WHOLE_HISTORY_KEY)
    body = first.json()
    assert (body["revenue"], body["net_revenue"], body["orders"], body["average_order_value"]) == (
        "112.80",
        "94.95",
        5,
        "22.56",
    )
    with structlog.testing.capture_logs() as logs:
        second = client.get(KPIS)
    # The same bytes, data_as_of included, and neither the result nor its rendering looked up.
    assert (second.status_code, second.content, second["ETag"]) == (200, first.content, first["ETag"])
    assert [entry["event"] for entry in logs if entry["event"].startswith("cache_")] == []


def test_a_hit_runs_one_statement_and_no_transaction(shop, owner, api_as):
    client = api_as(owner)
    client.get(KPIS)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(KPIS).status_code == 200
    [statement] = [query["sql"] for query in queries.captured_queries]
    assert statement.startswith('SELECT "accounts_membership"."id"')
    assert 'INNER JOIN "accounts_user"' in statement
    assert 'INNER JOIN "accounts_workspace"' in statement
    with CaptureQueriesContext(connection) as queries:
        assert client.get(KPIS, HTTP_IF_NONE_MATCH=expected_etag(shop, WHOLE_HISTORY_KEY)).status_code == 304
    assert len(queries.captured_queries) == 1


@pytest.mark.parametrize(
    "if_none_match",
    [
        "{etag}",
        "{strong}",  # the same validator without W/: If-None-Match compares weakly
        '"0123", {etag}',
        '"0123",{strong}',
        "*",
    ],
)
def test_a_matching_if_none_match_answers_304_without_a_body(shop, owner, api_as, if_none_match):
    client = api_as(owner)
    etag = client.get(KPIS)["ETag"]
    header = if_none_match.format(etag=etag, strong=etag.removeprefix("W/"))
    response = client.get(KPIS, HTTP_IF_NONE_MATCH=header)
    assert (response.status_code, response.content) == (304, b"")
    assert (response["ETag"], response["Cache-Control"], response["Vary"]) == (etag, "private, no-cache", VARY)


def test_another_validator_answers_200_with_the_body(shop, owner, api_as):
    client = api_as(owner)
    first = client.get(KPIS)
    response = client.get(KPIS, HTTP_IF_NONE_MATCH='W/"0123456789abcdef0123456789abcdef"')
    assert (response.status_code, response.content, response["ETag"]) == (200, first.content, first["ETag"])


def test_head_answers_the_headers_of_the_cached_body(shop, owner, api_as):
    client = api_as(owner)
    first = client.get(KPIS)
    response = client.head(KPIS)
    assert (response.status_code, response.content, response["ETag"]) == (200, b"", first["ETag"])
    assert client.head(KPIS, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_new_data_changes_the_etag_and_the_answer(shop, owner, api_as, django_capture_on_commit_callbacks):
    client = api_as(owner)
    first = client.get(KPIS)
    with django_capture_on_commit_callbacks(execute=True):
        SalesLineFactory(workspace=shop, invoice_no="1006", invoice_date=utc(2011, 2, 9, 9), quantity=1,
                         unit_price=Decimal("7.20"), customer_id="A", country="United Kingdom")  # fmt: skip
    again = client.get(KPIS, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200
    assert again["ETag"] == expected_etag(shop, WHOLE_HISTORY_KEY) != first["ETag"]
    assert (again.json()["revenue"], again.json()["orders"]) == ("120.00", 6)  # 112.80 + 7.20


def test_other_parameters_have_another_etag(shop, owner, api_as):
    client = api_as(owner)
    whole = client.get(KPIS)
    february = client.get(KPIS, FEBRUARY)
    assert february["ETag"] == expected_etag(shop, {**WHOLE_HISTORY_KEY, "period": ["2011-02-01", "2011-02-28"]})
    assert february["ETag"] != whole["ETag"]
    assert february.json()["revenue"] == "32.75"
    assert client.get(KPIS, FEBRUARY, HTTP_IF_NONE_MATCH=whole["ETag"]).status_code == 200
    year = client.get(KPIS, {**FEBRUARY, "compare": "year"})
    assert year["ETag"] not in (whole["ETag"], february["ETag"])
    assert year.json()["previous"]["date_from"] == "2010-02-01"


def test_a_changed_time_zone_changes_the_etag_and_the_answer(shop, owner, api_as):
    client = api_as(owner)
    # 1005 was placed at 16:20 UTC on 8 February: 03:20 on the 9th in Sydney (UTC+11).
    utc_answer = client.get(KPIS, {"date_from": "2011-02-09", "date_to": "2011-02-28"})
    assert utc_answer.json()["orders"] == 0
    response = client.patch("/api/v1/workspaces/acme/", {"timezone": "Australia/Sydney"}, format="json")
    assert response.status_code == 200
    ninth_on = {"date_from": "2011-02-09", "date_to": "2011-02-28"}
    sydney = client.get(KPIS, ninth_on, HTTP_IF_NONE_MATCH=utc_answer["ETag"])
    assert sydney.status_code == 200
    assert sydney.json()["orders"] == 1
    assert sydney["ETag"] == expected_etag(
        shop, {"period": ["2011-02-09", "2011-02-28"], "compare": "previous", "timezone": "Australia/Sydney"}
    )


def test_every_role_reads_the_same_answer_and_other_people_none(shop, owner, admin_user, viewer, outsider, api_as,
                                                                 anon_api):  # fmt: skip
    etag = api_as(owner).get(KPIS)["ETag"]
    for member in (admin_user, viewer):  # the role does not change the figures, nor their ETag
        response = api_as(member).get(KPIS, HTTP_IF_NONE_MATCH=etag)
        assert (response.status_code, response["ETag"]) == (304, etag)
    # Another workspace's member naming this one, with its ETag: not found, not "not modified".
    refused = api_as(outsider).get(KPIS, HTTP_IF_NONE_MATCH=etag)
    assert (refused.status_code, refused.json()["error"]["code"]) == (404, "not_found")
    assert "ETag" not in refused
    own = api_as(outsider, outsider.memberships.get().workspace).get(KPIS)
    assert (own.status_code, own.json()["orders"]) == (200, 0)
    assert own["ETag"] != etag
    anonymous = anon_api.get(KPIS, HTTP_IF_NONE_MATCH=etag, HTTP_X_WORKSPACE="acme")
    assert (anonymous.status_code, anonymous.json()["error"]["code"]) == (401, "not_authenticated")


def test_a_removed_member_is_refused_at_once_even_with_a_warm_cache(shop, viewer, api_as):
    client = api_as(viewer)
    etag = client.get(KPIS)["ETag"]
    Membership.objects.filter(user=viewer, workspace=shop).delete()
    response = client.get(KPIS, HTTP_IF_NONE_MATCH=etag)
    assert (response.status_code, response.json()["error"]["code"]) == (404, "not_found")


def test_a_changed_role_counts_at_once(workspace, admin_user, api_as):
    settings_url = "/api/v1/workspaces/acme/"  # admins read it, viewers do not
    client = api_as(admin_user)
    assert client.get(settings_url).json()["role"] == "admin"
    Membership.objects.filter(user=admin_user).update(role=Membership.Role.VIEWER)
    assert client.get(settings_url).status_code == 403
    Membership.objects.filter(user=admin_user).update(role=Membership.Role.OWNER)
    assert client.get(settings_url).json()["role"] == "owner"


def test_the_url_workspace_is_checked_even_when_the_header_names_one_of_the_users(workspace, other_workspace,
                                                                                   outsider, api_as):  # fmt: skip
    # The header names the outsider's own workspace (read with the user); the URL names acme.
    response = api_as(outsider, other_workspace).get("/api/v1/workspaces/acme/")
    assert (response.status_code, response.json()["error"]["code"]) == (404, "not_found")
    assert api_as(outsider, other_workspace).get("/api/v1/workspaces/globex/").json()["role"] == "owner"


def test_an_inactive_user_or_a_revoked_token_is_refused_on_the_one_query_path(shop, viewer, api_as):
    client = api_as(viewer)
    assert client.get(KPIS).status_code == 200
    type(viewer).objects.filter(pk=viewer.pk).update(login_epoch=viewer.login_epoch + 1)
    assert client.get(KPIS).json()["error"]["code"] == "token_revoked"
    type(viewer).objects.filter(pk=viewer.pk).update(is_active=False)
    response = bearer_client(type(viewer).objects.get(pk=viewer.pk), shop).get(KPIS)
    assert (response.status_code, response.json()["error"]["code"]) == (401, "user_inactive")


def test_a_token_is_verified_once_and_refused_as_ever_once_it_expires(shop, owner, api_as, monkeypatch):
    decoded = []
    decode = TokenBackend.decode

    def counted(backend, token, verify=True):
        decoded.append(token)
        return decode(backend, token, verify)

    monkeypatch.setattr(TokenBackend, "decode", counted)
    client = api_as(owner)
    assert [client.get(KPIS).status_code for _ in range(3)] == [200, 200, 200]
    assert len(decoded) == 1  # its signature checked once
    expiry = timezone.now() + settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"] + dt.timedelta(seconds=1)
    with time_machine.travel(expiry, tick=False):
        expired = client.get(KPIS)
    assert (expired.status_code, expired.json()["error"]["code"]) == (401, "token_not_valid")
    assert len(decoded) == 2  # refused by simplejwt itself, in its words


def test_the_verified_tokens_kept_are_the_most_recently_used():
    kept = _VerifiedTokens(size=2)
    a, b, c = AccessToken(), AccessToken(), AccessToken()
    kept.put(b"a", a)
    kept.put(b"b", b)
    assert kept.get(b"a") is a  # now the most recent
    kept.put(b"c", c)
    assert (kept.get(b"a"), kept.get(b"b"), kept.get(b"c")) == (a, None, c)


def test_csv_and_indented_json_are_rendered_as_before_without_an_etag(shop, owner, api_as):
    client = api_as(owner)
    csv = client.get(KPIS, {"format": "csv"})
    assert (csv.status_code, csv["Content-Type"], "ETag" in csv) == (200, "text/csv; charset=utf-8", False)
    header, row = csv.content.decode().splitlines()[:2]
    assert (header.split(",")[:3], row.split(",")[:3]) == (
        ["date_from", "date_to", "revenue"],
        ["2011-01-03", "2011-02-08", "112.80"],
    )
    indented = client.get(KPIS, HTTP_ACCEPT="application/json; indent=2")
    assert "ETag" not in indented
    assert indented.content.startswith(b'{\n  "date_from": "2011-01-03",\n  "date_to": "2011-02-08",\n')


def test_a_write_still_runs_in_the_request_transaction(workspace, owner, api_as):
    client = api_as(owner)
    with CaptureQueriesContext(connection) as queries:
        response = client.patch("/api/v1/workspaces/acme/", {"name": "Acme Ltd"}, format="json")
    assert response.status_code == 200
    statements = [query["sql"] for query in queries.captured_queries]
    # Inside the test's own transaction, ATOMIC_REQUESTS opens a savepoint and releases it.
    assert statements[0].startswith("SAVEPOINT")
    assert statements[-1].startswith("RELEASE SAVEPOINT")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_the_membership_is_read_by_a_prepared_statement_on_postgresql(shop, owner, api_as):
    client = api_as(owner)
    for _ in range(6):  # psycopg prepares a statement from its fifth run (prepare_threshold)
        assert client.get(KPIS).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ['SELECT "accounts_membership"."id"%'],
        )
        assert cursor.fetchone() == (1,)
