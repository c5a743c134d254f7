import datetime as dt
import json

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection

from apimetrics import keys, projects, ratelimit, tracking
from apimetrics.models import ApiKey, DirtyMinute, RequestEvent
from apimetrics.tracking import normalise_path
from tests.apimetrics.conftest import NOW

pytestmark = pytest.mark.django_db

EVENT = {
    "method": "get",
    "path": "https://shop.example/users/42/orders/9f8b6c1e-3c2a-4f7e-9a1b-2c3d4e5f6a7b?page=2",
    "status_code": 200,
    "response_time_ms": 123.5,
    "timestamp": "2026-03-10T12:29:59.250Z",
    "ip": "203.0.113.7",
    "user_agent": "curl/8.5",
    "consumer": "mobile-app",
}


def stored(project):
    return list(
        RequestEvent.objects.filter(project=project)
        .order_by("pk")
        .values(
            "timestamp",
            "method",
            "path",
            "endpoint",
            "status_code",
            "response_time_ms",
            "ip_hash",
            "user_agent",
            "consumer",
        )
    )


@time_machine.travel(NOW, tick=False)
def test_single_event_is_stored_with_exact_fields(track, project, api_key):
    response = track(EVENT, api_key[1])
    assert response.status_code == 202
    assert response.json() == {"accepted": 1}
    assert stored(project) == [
        {
            "timestamp": dt.datetime(2026, 3, 10, 12, 29, 59, 250000, tzinfo=dt.UTC),
            "method": "GET",
            "path": "/users/42/orders/9f8b6c1e-3c2a-4f7e-9a1b-2c3d4e5f6a7b",
            "endpoint": "/users/{id}/orders/{id}",
            "status_code": 200,
            "response_time_ms": 123.5,
            "ip_hash": tracking.hash_ip("203.0.113.7"),
            "user_agent": "curl/8.5",
            "consumer": "mobile-app",
        }
    ]
    # The raw IP is nowhere in the row.
    assert "203.0.113.7" not in str(stored(project))


@time_machine.travel(NOW, tick=False)
def test_batch_is_stored_whole_with_defaults_and_given_templates(track, project, api_key):
    batch = [
        {"method": "POST", "path": "/carts/7/items", "status_code": 201, "response_time_ms": 40},
        {
            "method": "DELETE",
            "path": "/carts/7/items/3",
            "endpoint": "/carts/{cart}/items/{item}",
            "status_code": 404,
            "response_time_ms": 0,
        },
        {
            "method": "GET",
            "path": "/health",
            "status_code": 503,
            "response_time_ms": 5000.25,
            "timestamp": "2026-03-10T13:33:00+01:00",
        },
    ]
    response = track(batch, api_key[1])
    assert response.status_code == 202
    assert response.json() == {"accepted": 3}
    rows = stored(project)
    assert [(r["method"], r["path"], r["endpoint"], r["status_code"], r["response_time_ms"]) for r in rows] == [
        ("POST", "/carts/7/items", "/carts/{id}/items", 201, 40.0),
        ("DELETE", "/carts/7/items/3", "/carts/{cart}/items/{item}", 404, 0.0),
        ("GET", "/health", "/health", 503, 5000.25),
    ]
    assert [r["timestamp"] for r in rows] == [NOW, NOW, dt.datetime(2026, 3, 10, 12, 33, tzinfo=dt.UTC)]
    assert {(r["ip_hash"], r["user_agent"], r["consumer"]) for r in rows} == {("", "", "")}


@time_machine.travel(NOW, tick=False)
def test_oversized_batch_is_refused_with_413(track, project, api_key):
    response = track([{k: v for k, v in EVENT.items() if k != "timestamp"}] * 1001, api_key[1])
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert RequestEvent.objects.count() == 0


@time_machine.travel(NOW, tick=False)
def test_bad_event_reports_its_index_and_stores_nothing(track, project, api_key):
    good = {"method": "GET", "path": "/a", "status_code": 200, "response_time_ms": 1}
    response = track([good, good, {**good, "status_code": 99, "response_time_ms": -1}], api_key[1])
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"] == {
        "2.status_code": ["An integer from 100 to 599."],
        "2.response_time_ms": ["A number of milliseconds from 0 to 3,600,000."],
    }
    assert RequestEvent.objects.count() == 0


BAD_VALUES = [
    ("method", "FETCH"),
    ("method", 7),
    ("path", None),
    ("path", ""),
    ("path", ["/a"]),
    ("path", "/" + "x" * 3000),
    ("endpoint", "users/{id}"),
    ("status_code", 600),
    ("status_code", "200"),
    ("status_code", True),
    ("status_code", 200.5),
    ("response_time_ms", "fast"),
    ("response_time_ms", 1e12),
    ("response_time_ms", None),
    ("timestamp", "yesterday"),
    ("timestamp", "2026-03-02T12:00:00Z"),  # 8 days ago
    ("timestamp", "2026-03-10T12:40:00Z"),  # 10 minutes ahead
    ("timestamp", "2026-13-45T99:00:00Z"),
    ("timestamp", 1741600000),
    ("ip", "999.1.1.1"),
    ("ip", 12345),
    ("consumer", "c" * 129),
    ("consumer", {"id": 1}),
]


@pytest.mark.parametrize(("field", "value"), BAD_VALUES)
@time_machine.travel(NOW, tick=False)
def test_bad_fields_answer_400_with_the_field(track, project, api_key, field, value):
    event = {"method": "GET", "path": "/a", "status_code": 200, "response_time_ms": 1, field: value}
    response = track(event, api_key[1])
    assert response.status_code == 400, response.content
    assert f"0.{field}" in response.json()["error"]["fields"]
    assert RequestEvent.objects.count() == 0


@time_machine.travel(NOW, tick=False)
def test_a_huge_integer_response_time_answers_400_with_its_index(track, project, api_key):
    good = {"method": "GET", "path": "/a", "status_code": 200, "response_time_ms": 1}
    response = track([good, {**good, "response_time_ms": int("1" + "0" * 400)}], api_key[1])
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "invalid",
            "message": "1: response_time_ms: A number of milliseconds from 0 to 3,600,000.",
            "fields": {"1.response_time_ms": ["A number of milliseconds from 0 to 3,600,000."]},
        }
    }
    assert RequestEvent.objects.count() == 0


@pytest.mark.parametrize("field", ["path", "endpoint", "user_agent", "consumer"])
@pytest.mark.parametrize("bad", ["\u0000", "\ud800"], ids=["nul", "lone-surrogate"])
@time_machine.travel(NOW, tick=False)
def test_text_the_database_cannot_store_answers_400_with_the_field(anon_api, project, api_key, field, bad):
    """A NUL (PostgreSQL refuses it in text) or an unpaired surrogate (not encodable as UTF-8)."""
    event = {"method": "GET", "path": "/a", "status_code": 200, "response_time_ms": 1}
    event[field] = f"/x{bad}y"
    # Sent as escaped JSON: the test client could not encode a lone surrogate as UTF-8.
    body = json.dumps([event, event])
    response = anon_api.post("/api/v1/track", data=body, content_type="application/json", HTTP_X_API_KEY=api_key[1])
    assert response.status_code == 400
    message = "Must not contain a NUL character or an unpaired surrogate."
    assert response.json() == {
        "error": {
            "code": "invalid",
            "message": f"0: {field}: {message}",
            "fields": {f"0.{field}": [message], f"1.{field}": [message]},
        }
    }
    assert RequestEvent.objects.count() == 0


@pytest.mark.parametrize("body", ["text", 42, [], None, [1, 2], {}])
def test_bodies_that_are_not_events_answer_400(track, api_key, body):
    response = track(body, api_key[1])
    assert response.status_code == 400
    assert RequestEvent.objects.count() == 0


def test_malformed_json_answers_400(anon_api, api_key):
    response = anon_api.post(
        "/api/v1/track", data="{not json", content_type="application/json", HTTP_X_API_KEY=api_key[1]
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_bad_keys_answer_the_same_401(track, project, api_key, other_project, django_capture_on_commit_callbacks):
    revoked_key, revoked_secret = api_key[0], api_key[1]
    from tests.apimetrics.factories import issue_key

    issue_key(project, "second")
    with django_capture_on_commit_callbacks(execute=True):
        keys.api_key_revoke(api_key=revoked_key)
    wrong_secret = api_key[1][:-4] + ("AAAA" if not api_key[1].endswith("AAAA") else "BBBB")
    event = {"method": "GET", "path": "/a", "status_code": 200, "response_time_ms": 1}
    bodies = []
    for key in (None, "", "nonsense", "pk_zzzz_secret", "pk_000000000000_" + "a" * 43, wrong_secret, revoked_secret):
        response = track(event, key)
        assert response.status_code == 401, key
        assert response.headers["WWW-Authenticate"] == 'ApiKey header="X-API-Key"'
        bodies.append(response.json())
    assert all(body == bodies[0] for body in bodies)
    assert bodies[0]["error"]["message"] == "Invalid or missing API key."
    assert RequestEvent.objects.count() == 0


def test_a_revoked_key_answers_401_whatever_its_body(
    track, anon_api, project, api_key, django_capture_on_commit_callbacks
):
    from tests.apimetrics.factories import issue_key

    event = {"method": "GET", "path": "/a", "status_code": 200, "response_time_ms": 1}
    assert track(event, api_key[1]).status_code == 202  # this process now knows the key
    issue_key(project, "second")
    with django_capture_on_commit_callbacks(execute=True):
        keys.api_key_revoke(api_key=api_key[0])
    answers = [
        track(event, api_key[1]),
        track([event] * 1001, api_key[1]),
        track({**event, "status_code": 99}, api_key[1]),
        anon_api.post("/api/v1/track", data="{not json", content_type="application/json", HTTP_X_API_KEY=api_key[1]),
    ]
    assert [answer.status_code for answer in answers] == [401] * 4
    assert {answer.json()["error"]["message"] for answer in answers} == {"Invalid or missing API key."}
    assert RequestEvent.objects.count() == 1


def test_a_prefix_drawn_again_names_the_new_key_only(
    track, project, other_project, api_key, django_capture_on_commit_callbacks
):
    """A deleted key's random prefix given to a new key (unlikely, possible): the process that
    knew the old key refuses its secret and accepts the new one."""
    event = {"method": "GET", "path": "/a", "status_code": 200, "response_time_ms": 1}
    assert track(event, api_key[1]).status_code == 202
    prefix = api_key[0].prefix
    with django_capture_on_commit_callbacks(execute=True):
        projects.project_delete(project=project)
    new_secret = keys.compose(prefix, "n" * 43)
    ApiKey.objects.create(project=other_project, name="new", prefix=prefix, hashed_key=keys.digest(new_secret))
    assert track(event, api_key[1]).status_code == 401
    assert track(event, new_secret).status_code == 202
    assert track(event, api_key[1]).status_code == 401
    assert RequestEvent.objects.filter(project=other_project).count() == 1


def test_a_key_records_into_its_own_project_only(track, project, other_project):
    from tests.apimetrics.factories import issue_key

    _, other_secret = issue_key(other_project)
    event = {"method": "GET", "path": "/a", "status_code": 200, "response_time_ms": 1}
    assert track(event, other_secret).status_code == 202
    assert RequestEvent.objects.filter(project=other_project).count() == 1
    assert RequestEvent.objects.filter(project=project).count() == 0


def test_rate_limit_answers_429_with_retry_after(track, project, api_key, settings):
    settings.APIMETRICS_RATE_LIMIT_PER_MINUTE = 5
    event = {"method": "GET", "path": "/a", "status_code": 200, "response_time_ms": 1}
    with time_machine.travel(dt.datetime(2026, 3, 10, 12, 30, 40, tzinfo=dt.UTC), tick=False):
        assert track([event] * 3, api_key[1]).status_code == 202
        limited = track([event] * 3, api_key[1])
        assert limited.status_code == 429
        assert limited.headers["Retry-After"] == "20"
        assert limited.json()["error"]["code"] == "throttled"
        assert RequestEvent.objects.count() == 3
    # The next minute opens a new window.
    with time_machine.travel(dt.datetime(2026, 3, 10, 12, 31, 1, tzinfo=dt.UTC), tick=False):
        assert track([event] * 5, api_key[1]).status_code == 202
    assert RequestEvent.objects.count() == 8


def _shared_count(key_id: int, at: dt.datetime) -> int | None:
    return cache.get(f"apimetrics:rl:{key_id}:{int(at.timestamp() // 60)}")


def test_a_process_counts_events_against_a_lease_of_the_shared_limit(project, api_key, settings):
    """With a limit of 1,000 a minute a lease is 10 events: the shared count grows by 10 at the
    first event and again at the 11th; the events between take no count from the cache."""
    settings.APIMETRICS_RATE_LIMIT_PER_MINUTE = 1000
    key = keys.identify(api_key[1])
    at = dt.datetime(2026, 3, 10, 12, 30, 40, tzinfo=dt.UTC).timestamp()
    assert ratelimit.admit(key, 1, now=at) == ratelimit.Admission(first_in_window=True)
    assert _shared_count(key.id, NOW) == 10
    for _ in range(9):
        assert ratelimit.admit(key, 1, now=at) == ratelimit.Admission()
    assert _shared_count(key.id, NOW) == 10
    assert ratelimit.admit(key, 3, now=at) == ratelimit.Admission()  # the lease is spent: another one
    assert _shared_count(key.id, NOW) == 20
    assert ratelimit.admit(key, 300, now=at) == ratelimit.Admission()  # more than a lease: what it needs
    assert _shared_count(key.id, NOW) == 320


def test_the_last_lease_of_a_window_is_what_the_limit_leaves(project, api_key, settings):
    """Other processes took 995 of the 1,000: this one gets the 5 left and then a 429."""
    settings.APIMETRICS_RATE_LIMIT_PER_MINUTE = 1000
    key = keys.identify(api_key[1])
    at = dt.datetime(2026, 3, 10, 12, 30, 40, tzinfo=dt.UTC).timestamp()
    cache.set(f"apimetrics:rl:{key.id}:{int(at // 60)}", 995, timeout=120)
    assert ratelimit.admit(key, 2, now=at) == ratelimit.Admission(first_in_window=True)
    assert _shared_count(key.id, NOW) == 1005
    assert ratelimit.admit(key, 3, now=at) == ratelimit.Admission()
    assert ratelimit.admit(key, 1, now=at) == ratelimit.Admission(retry_after=20)
    assert ratelimit.admit(key, 1, now=at + 20) == ratelimit.Admission(first_in_window=True)  # the next window


@pytest.mark.parametrize(("limit", "events"), [(100, 1), (60_000, 1000)])
def test_a_lease_of_just_the_events_asked_is_first_in_its_window_once(project, api_key, settings, limit, events):
    """No lease beyond the events (a small limit, or a batch bigger than a lease): every request
    counts in the cache, but only the first of the minute marks the key used (last_used_at)."""
    settings.APIMETRICS_RATE_LIMIT_PER_MINUTE = limit
    key = keys.identify(api_key[1])
    at = dt.datetime(2026, 3, 10, 12, 30, 40, tzinfo=dt.UTC).timestamp()
    assert ratelimit.admit(key, events, now=at) == ratelimit.Admission(first_in_window=True)
    assert ratelimit.admit(key, events, now=at + 1) == ratelimit.Admission()
    assert _shared_count(key.id, NOW) == 2 * events
    assert ratelimit.admit(key, events, now=at + 20) == ratelimit.Admission(first_in_window=True)  # the next window


@pytest.mark.parametrize("change", ["revoked", "expired"])
def test_a_key_ended_behind_this_process_back_stores_nothing(track, project, api_key, change):
    """The key revoked or past its grace period in the database, its cached lookup and this
    process's lease untouched (as another process, or a clock, would leave them): the insert
    checks the key itself, so the next event answers 401 and nothing is stored."""
    event = {"method": "GET", "path": "/a", "status_code": 200, "response_time_ms": 1}
    with time_machine.travel(NOW, tick=False):
        assert track(event, api_key[1]).status_code == 202
        ended = {"revoked_at": NOW} if change == "revoked" else {"expires_at": NOW}
        ApiKey.objects.filter(pk=api_key[0].pk).update(**ended)
        for body in (event, [event] * 50):  # the INSERT's check, and the query ahead of a COPY
            response = track(body, api_key[1])
            assert response.status_code == 401
            assert response.json()["error"]["message"] == "Invalid or missing API key."
    assert RequestEvent.objects.filter(project=project).count() == 1


def test_last_used_at_is_written_once_a_minute(track, project, api_key, django_assert_num_queries):
    event = {"method": "GET", "path": "/a", "status_code": 200, "response_time_ms": 1}
    with time_machine.travel(NOW, tick=False):
        assert track(event, api_key[1]).status_code == 202  # key lookup is now cached
        ApiKey.objects.filter(pk=api_key[0].pk).update(last_used_at=None)
        # The insert alone: no key lookup (cached), no last_used_at write (done this minute) and no
        # savepoint (the view is not in a request transaction).
        with django_assert_num_queries(1):
            assert track(event, api_key[1]).status_code == 202
    assert ApiKey.objects.get(pk=api_key[0].pk).last_used_at is None
    later = NOW + dt.timedelta(seconds=61)
    with time_machine.travel(later, tick=False):  # a new minute: a new window, one write
        assert track(event, api_key[1]).status_code == 202
    assert ApiKey.objects.get(pk=api_key[0].pk).last_used_at == later


@pytest.mark.django_db(transaction=True)
def test_an_event_on_time_is_one_statement_committed_on_its_own(track, project, api_key):
    """As in production, no test transaction around the request: the key's first request of the
    minute writes its events and last_used_at in one transaction; after that a request is one
    INSERT in autocommit mode, its own transaction, committed before the 202 (no BEGIN, COMMIT)."""
    event = {"method": "GET", "path": "/a", "status_code": 200, "response_time_ms": 1}
    statements = []

    def spy(execute, sql, params, many, context):
        if not sql.startswith("BEGIN"):  # SQLite's BEGIN IMMEDIATE goes through here too
            statements.append((sql.split()[0], connection.in_atomic_block))
        return execute(sql, params, many, context)

    with time_machine.travel(NOW, tick=False), connection.execute_wrapper(spy):
        assert track(event, api_key[1]).status_code == 202
        assert statements == [("SELECT", False), ("INSERT", True), ("UPDATE", True)]  # lookup, then one transaction
        statements.clear()
        assert track(event, api_key[1]).status_code == 202
        assert statements == [("INSERT", False)]
    assert connection.get_autocommit()
    assert RequestEvent.objects.filter(project=project).count() == 2
    assert ApiKey.objects.get(pk=api_key[0].pk).last_used_at == NOW


def test_late_events_mark_their_minute_for_a_reroll(track, project, api_key):
    event = {"method": "GET", "path": "/a", "status_code": 200, "response_time_ms": 1}
    with time_machine.travel(NOW, tick=False):
        track(
            [{**event, "timestamp": "2026-03-10T12:30:05Z"}, {**event, "timestamp": "2026-03-09T08:15:30Z"}], api_key[1]
        )
    assert list(DirtyMinute.objects.values_list("minute", flat=True)) == [dt.datetime(2026, 3, 9, 8, 15, tzinfo=dt.UTC)]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/", ("/", "/")),
        ("users/42", ("/users/42", "/users/{id}")),
        (
            "/v2/orders/507f1f77bcf86cd799439011/lines",
            ("/v2/orders/507f1f77bcf86cd799439011/lines", "/v2/orders/{id}/lines"),
        ),
        ("http://x.test/a/1?b=2#c", ("/a/1", "/a/{id}")),
        ("/files/report-2024", ("/files/report-2024", "/files/report-2024")),
    ],
)
def test_paths_are_normalised_to_templates(path, expected):
    assert normalise_path(path) == expected


@pytest.mark.parametrize("deleted", ["key", "project", "workspace"])
def test_a_key_deleted_by_any_path_answers_401_at_once(
    track, project, api_key, deleted, django_capture_on_commit_callbacks
):
    """Staff deleting a key, its project or its workspace in the admin (or a cascade) ends the key
    at once, although its lookup was cached by the request before."""
    event = {"method": "GET", "path": "/a", "status_code": 200, "response_time_ms": 1}
    assert track(event, api_key[1]).status_code == 202
    with django_capture_on_commit_callbacks(execute=True):
        {"key": api_key[0], "project": project, "workspace": project.workspace}[deleted].delete()
    response = track(event, api_key[1])
    assert response.status_code == 401
    assert RequestEvent.objects.count() == (0 if deleted != "key" else 1)


@pytest.mark.parametrize(
    "stamp",
    ["0001-01-01T00:30:00+01:00", "9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00", "9999-12-31T23:59:59.999999"],
)
@time_machine.travel(NOW, tick=False)
def test_a_timestamp_at_the_ends_of_the_calendar_answers_400_with_its_index_and_field(track, project, api_key, stamp):
    """The first two are years 0 and 10000 in UTC, which Python cannot hold: they used to answer 500."""
    good = {"method": "GET", "path": "/a", "status_code": 200, "response_time_ms": 1}
    response = track([good, {**good, "timestamp": stamp}], api_key[1])
    message = "Must be within the last 7 days and at most 5 minutes ahead."
    assert response.status_code == 400
    assert response.json() == {
        "error": {"code": "invalid", "message": f"1: timestamp: {message}", "fields": {"1.timestamp": [message]}}
    }
    assert RequestEvent.objects.count() == 0


def test_refused_batches_do_not_use_up_the_rate_limit(track, project, api_key, settings):
    """Sixty batches of bad events in a minute, then a good one: the bad ones are each a 400 and
    count for nothing, so the good batch gets the whole limit."""
    settings.APIMETRICS_RATE_LIMIT_PER_MINUTE = 5
    good = {"method": "GET", "path": "/a", "status_code": 200, "response_time_ms": 1}
    with time_machine.travel(dt.datetime(2026, 3, 10, 12, 30, 40, tzinfo=dt.UTC), tick=False):
        refused = [track([good, {**good, "status_code": 99}, good], api_key[1]).status_code for _ in range(60)]
        assert refused == [400] * 60
        assert track([good] * 5, api_key[1]).status_code == 202
        limited = track(good, api_key[1])
    assert limited.status_code == 429
    assert limited.json()["error"]["message"] == (
        "Rate limit exceeded for this API key. Expected available in 20 seconds."
    )
    assert RequestEvent.objects.count() == 5
