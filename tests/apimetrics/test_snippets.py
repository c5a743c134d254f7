"""The first-event snippets are code that runs: valid Python, one curl command, the same event."""

import ast
import json
import shlex

from apimetrics import snippets

URL, KEY = "https://pulse.example/api/v1/track", "pk_0123456789ab_secret-part-of-the-key"


def test_the_python_snippet_is_valid_python_with_the_url_key_and_event():
    tree = ast.parse(snippets.python_requests(URL, KEY))
    call = next(
        node for node in ast.walk(tree) if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "post"
    )
    assert ast.literal_eval(call.args[0]) == URL
    named = {keyword.arg: ast.literal_eval(keyword.value) for keyword in call.keywords}
    assert named == {"headers": {"X-API-Key": KEY}, "json": snippets.EXAMPLE_EVENT, "timeout": 5}


def test_the_curl_snippet_is_one_command_posting_the_event():
    words = shlex.split(snippets.curl(URL, KEY).replace("\\\n", " "))
    assert words == [
        "curl", "-X", "POST", URL,
        "-H", f"X-API-Key: {KEY}",
        "-H", "Content-Type: application/json",
        "-d", json.dumps(snippets.EXAMPLE_EVENT),
    ]  # fmt: skip


def test_without_a_key_the_snippets_carry_the_placeholder():
    assert [code.count("YOUR_API_KEY") for _, _, code in snippets.all_snippets(URL, None)] == [1, 1, 1]
    assert [code.count(KEY) for _, _, code in snippets.all_snippets(URL, KEY)] == [1, 1, 1]
    assert 'fetch("https://pulse.example/api/v1/track", {' in snippets.javascript_fetch(URL, KEY)
