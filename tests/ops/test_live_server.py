"""The browser tests' live server on in-memory SQLite: requests are served one at a time."""

import threading
import time

from tests.browser import one_at_a_time


def test_requests_are_served_one_at_a_time_with_their_whole_body():
    running, most, finished = [0], [0], []
    guard = threading.Lock()

    def app(environ, start_response):
        # The body is produced lazily, as a streaming response's is: it too must run in the lock.
        def body():
            with guard:
                running[0] += 1
                most[0] = max(most[0], running[0])
            time.sleep(0.05)
            yield environ["PATH_INFO"].encode()
            with guard:
                running[0] -= 1

        start_response("200 OK", [])
        return body()

    serve = one_at_a_time(app)
    threads = [
        threading.Thread(target=lambda path=path: finished.append(serve({"PATH_INFO": path}, lambda *a: None)))
        for path in ("/a", "/b", "/c")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == 1
    assert sorted(finished) == [[b"/a"], [b"/b"], [b"/c"]]


def test_the_live_server_serialises_requests_where_it_shares_the_connection(django_db_setup, live_server):
    """Where the live server shares the test's connection (in-memory SQLite, the database set up
    before the server started) it serves through ``one_at_a_time``; otherwise it is untouched."""
    shared = bool(live_server.thread.connections_override)
    serving = live_server.thread.httpd.get_app()
    assert (getattr(serving, "__qualname__", "") == "one_at_a_time.<locals>.serve") is shared
