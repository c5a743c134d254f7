"""OpenAPI fuzz run: schemathesis over every operation of /api/schema/.

The schema is generated from the running project, so every app's endpoints come under this test
as soon as they are routed. Each operation gets a bounded number of generated requests (valid and
invalid ones), sent in-process through the WSGI application as a workspace owner with a bearer
token and ``X-Workspace``; schemathesis' checks then assert that nothing answers 5xx and that
every status code, content type, header and body conforms to the schema (errors included: see
config.openapi.PulseAutoSchema).

No operation is excluded: logout takes the refresh token in its body, and a generated one can never be
valid, so it cannot invalidate the fixture's access token.
"""

import datetime as dt
import json
import os
import sys

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.throttling import SimpleRateThrottle
from rest_framework_simplejwt.tokens import RefreshToken

from config.wsgi import application

# Generated requests per operation; PULSE_FUZZ_EXAMPLES=200 for a deeper run.
MAX_EXAMPLES = int(os.environ.get("PULSE_FUZZ_EXAMPLES", "20"))
# Every response check runs (no 5xx; status code, content type, headers and body as documented;
# auth not ignored…). Two request-side checks are left out because they ask the schema to be
# the whole validation, which a real API's cannot be:
# - positive_data_acceptance wants every schema-valid request accepted, but passwords must pass
#   Django's validators, tokens must be genuine, date_from ≤ date_to…: those answer 400 by design;
# - negative_data_rejection wants every schema-violating value refused, but DRF parses leniently
#   by design (a JSON number for a string field is read as its text, "3" for an integer as 3).
EXCLUDED_CHECKS = [schemathesis.checks.positive_data_acceptance, schemathesis.checks.negative_data_rejection]


def _project_schema() -> dict:
    """What /api/schema/ serves, generated in-process: the schema is needed at collection time,
    where no database is open (a request through the WSGI app would open an atomic block).
    schemathesis' lazy from_fixture() loader does not work with pytest 9.2 (Node._nodeid is gone)."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated))


# Beyond what the schema's formats suggest: the extreme date-times and dates a client may send
# (years 1 and 9999, offsets that push them past the ends of the calendar).
EXTREME_DATETIMES = ["0001-01-01T00:30:00+01:00", "9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00Z"]
EXTREME_DATES = ["0001-01-01", "9999-12-31"]
schemathesis.openapi.format(
    "date-time",
    st.one_of(
        st.sampled_from(EXTREME_DATETIMES),
        st.datetimes(timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=-12))])).map(
            lambda value: value.isoformat()
        ),
    ),
)
schemathesis.openapi.format("date", st.one_of(st.sampled_from(EXTREME_DATES), st.dates().map(dt.date.isoformat)))

schema = schemathesis.openapi.from_dict(_project_schema())
schema.app = application  # requests go through the WSGI application, in-process

# Path values that exist in the test's data (filled by the `auth_headers` fixture). Generated
# slugs and ids almost never name a real object, so half the cases use these instead and reach
# past the 404 into the views.
EXISTING: dict[str, object] = {}


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    existing = {name: EXISTING[name] for name in path_parameters or {} if name in EXISTING}
    if not existing:
        return st.just(path_parameters)
    return st.sampled_from([path_parameters, {**path_parameters, **existing}])


@pytest.fixture
def _keep_test_connection():
    # Like Django's test client: a request must not close the connection that holds the test's
    # transaction (close_old_connections would, through the WSGI handler's signals).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def auth_headers(owner, viewer, workspace, monkeypatch, _keep_test_connection):
    # Throttling is tested on its own (tests/accounts/test_throttling.py); here it would turn
    # most generated logins into 429s and hide what the endpoints answer.
    unlimited = dict.fromkeys(SimpleRateThrottle.THROTTLE_RATES, "100000/min")
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", unlimited, raising=True)
    monkeypatch.setattr(sys.modules[__name__], "EXISTING", {"slug": workspace.slug, "user_id": viewer.pk})
    return {"Authorization": f"Bearer {RefreshToken.for_user(owner).access_token}", "X-Workspace": workspace.slug}


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
    derandomize=True,
)
def test_api_conforms_to_its_schema(db, case, auth_headers):
    case.call_and_validate(headers=auth_headers, excluded_checks=EXCLUDED_CHECKS)


def _json_body_operations() -> list:
    operations = [result.ok() for result in schema.get_all_operations()]
    return [op for op in operations if any(alt.media_type == "application/json" for alt in op.body)]


def _nested(depth: int) -> list:
    body: list = []
    for _ in range(depth - 1):
        body = [body]
    return body


# Deeper than the parser allows (config.parsers.MAX_DEPTH) yet shallow enough for schemathesis to
# serialise; tests/config/test_parsers.py sends the thousands of levels that recursed.
HOSTILE_BODIES = {"nested": _nested(500), "oversized": {"padding": "x" * (5 * 1024 * 1024 + 1)}}


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(HOSTILE_BODIES))
def test_every_json_body_refuses_hostile_documents_as_documented(db, auth_headers, kind):
    """Each operation that takes JSON, sent a document nested 500 deep or larger than
    DATA_UPLOAD_MAX_MEMORY_SIZE: a documented 4xx (400 parse_error, 413 payload_too_large, or
    whatever the path or the caller's rights answer first), never a 5xx."""
    operations = _json_body_operations()
    assert len(operations) > 30
    statuses = set()
    for operation in operations:
        path_parameters = {name: EXISTING.get(name, "1") for name in (p.name for p in operation.path_parameters)}
        case = operation.Case(body=HOSTILE_BODIES[kind], media_type="application/json", path_parameters=path_parameters)
        response = case.call_and_validate(headers=auth_headers, excluded_checks=EXCLUDED_CHECKS)
        assert response.status_code < 500, f"{operation.label}: {response.status_code}"
        statuses.add(response.status_code)
    assert {"nested": 400, "oversized": 413}[kind] in statuses
