"""A Pulse process for the replica tests, driven line by line: each line read is a JSON command,
each answer a JSON line starting with ``PROBE``. It keeps its connections and its checks of the
replicas from one request to the next, as a web worker does.

- ``{"op": "request", "user": email, "method": "GET", "path": …, "data": {…}}``: the request as
  that user (bearer token, workspace ``acme``); answers its status, body and the aliases on
  which ``table`` was read or written;
- ``{"op": "in_recovery", "alias": …}``: whether that connection is to a server in recovery;
- ``{"op": "route"}``: where a store is read outside any request (a task), and, inside a GET
  request, outside and inside a transaction the code opens, and after a write;
- ``{"op": "set", "name": …, "value": …}``: change a setting.
"""

import json
import os
import sys
from contextlib import ExitStack

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import AnonymousUser  # noqa: E402
from django.db import close_old_connections, connections, router, transaction  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402
from rest_framework_simplejwt.tokens import RefreshToken  # noqa: E402

from accounts.models import User  # noqa: E402
from config.replicas import request_reads  # noqa: E402
from sales.models import Store  # noqa: E402


def _request(command: dict) -> dict:
    client = APIClient()
    token = RefreshToken.for_user(User.objects.get(email=command["user"])).access_token
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_X_WORKSPACE="acme")
    seen: list[tuple[str, str]] = []

    def recorder(alias: str):
        def record(execute, sql, params, many, context):
            seen.append((alias, sql))
            return execute(sql, params, many, context)

        return record

    # What a WSGI server's request_started does, and the test client leaves out: close the
    # connections that are too old or broken, and have the others checked before their next use.
    close_old_connections()
    with ExitStack() as stack:
        for alias in connections:
            stack.enter_context(connections[alias].execute_wrapper(recorder(alias)))
        method = getattr(client, command.get("method", "GET").lower())
        response = method(command["path"], command.get("data"), format="json")
    close_old_connections()
    table = command.get("table", "sales_store")  # ORM SQL quotes table names, hand-written SQL not
    return {
        "status": response.status_code,
        "body": response.json() if response.content else None,
        "aliases": sorted({alias for alias, sql in seen if table in sql}),
    }


def _route() -> dict:
    request = RequestFactory().get("/api/v1/sales/stores/")
    request.user = AnonymousUser()
    task = router.db_for_read(Store)
    with request_reads(request):
        outside = router.db_for_read(Store)
        with transaction.atomic():
            inside = router.db_for_read(Store)
        Store.objects.filter(pk=0).update(city="Nowhere")  # a write, of no row
        after_write = router.db_for_read(Store)
    return {"task": task, "request": outside, "transaction": inside, "after a write": after_write}


def _answer(command: dict) -> object:
    if command["op"] == "request":
        return _request(command)
    if command["op"] == "in_recovery":
        with connections[command["alias"]].cursor() as cursor:
            cursor.execute("SELECT pg_is_in_recovery()")
            return cursor.fetchone()[0]
    if command["op"] == "route":
        return _route()
    if command["op"] == "set":
        setattr(settings, command["name"], command["value"])
        return None
    raise ValueError(command["op"])


for line in sys.stdin:
    try:
        answer = {"ok": True, "value": _answer(json.loads(line))}
    except Exception as error:  # the test shows it
        answer = {"ok": False, "error": f"{type(error).__name__}: {error}"}
    sys.stdout.write("PROBE " + json.dumps(answer, default=str) + "\n")
    sys.stdout.flush()
