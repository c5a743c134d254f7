"""The "send your first event" snippets: one tracking call as curl, Python ``requests`` and
JavaScript ``fetch``, ready to paste with the project's tracking URL and a key."""

import json

KEY_PLACEHOLDER = "YOUR_API_KEY"
# One event the way the tracking API documents it (apimetrics.tracking).
EXAMPLE_EVENT = {"method": "GET", "path": "/hello", "status_code": 200, "response_time_ms": 42}


def curl(url: str, key: str) -> str:
    body = json.dumps(EXAMPLE_EVENT)
    return (
        f"curl -X POST '{url}' \\\n  -H 'X-API-Key: {key}' \\\n  -H 'Content-Type: application/json' \\\n  -d '{body}'"
    )


def python_requests(url: str, key: str) -> str:
    event = ", ".join(f"{json.dumps(name)}: {json.dumps(value)}" for name, value in EXAMPLE_EVENT.items())
    return (
        "import requests\n\n"
        "response = requests.post(\n"
        f"    {json.dumps(url)},\n"
        f'    headers={{"X-API-Key": {json.dumps(key)}}},\n'
        f"    json={{{event}}},\n"
        "    timeout=5,\n"
        ")\n"
        "print(response.status_code, response.json())"
    )


def javascript_fetch(url: str, key: str) -> str:
    event = ", ".join(f"{name}: {json.dumps(value)}" for name, value in EXAMPLE_EVENT.items())
    return (
        f"fetch({json.dumps(url)}, {{\n"
        '  method: "POST",\n'
        f'  headers: {{"X-API-Key": {json.dumps(key)}, "Content-Type": "application/json"}},\n'
        f"  body: JSON.stringify({{{event}}}),\n"
        "}).then((response) => response.json()).then(console.log);"
    )


def all_snippets(url: str, key: str | None) -> list[tuple[str, str, str]]:
    """(id, label, code) of each snippet; ``key`` None puts the placeholder in."""
    key = key or KEY_PLACEHOLDER
    return [
        ("snippet-curl", "curl", curl(url, key)),
        ("snippet-python", "Python (requests)", python_requests(url, key)),
        ("snippet-javascript", "JavaScript (fetch)", javascript_fetch(url, key)),
    ]
