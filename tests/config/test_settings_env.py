""".env.example works as a .env as it is: copied to .env, or loaded into the environment (as
honcho and docker compose's env_file do), it gives the embedded defaults, and `manage.py check`
passes. An entry set to an empty string would not: django-environ reads it as set, so
DATABASE_URL= has no ENGINE, MEDIA_ROOT= and STATIC_ROOT= are both the working directory, and
PULSE_HMAC_SECRET= makes every login answer 500."""

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
EXAMPLE = BASE_DIR / ".env.example"
ENTRY = re.compile(r"^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$")

# Every setting, compared between .env.example and nothing configured (reprs are stable: no
# object of these settings prints its address).
DUMP = """
import json, django
django.setup()
from django.conf import settings
print(json.dumps({name: repr(getattr(settings, name)) for name in dir(settings) if name.isupper()}))
"""


def _entries() -> list[tuple[bool, str, str]]:
    """(commented out, name, value) of each ``NAME=value`` line, ``# NAME=value`` ones included."""
    matches = (ENTRY.match(line.strip()) for line in EXAMPLE.read_text().splitlines())
    return [(bool(match[1]), match[2], match[3]) for match in matches if match]


def _uncommented() -> dict[str, str]:
    return {name: value for commented, name, value in _entries() if not commented}


def _clean_environment() -> dict[str, str]:
    """This process's environment without any variable Pulse reads (CI may set DATABASE_URL…)."""
    names = {name for _, name, _ in _entries()}
    env = {k: v for k, v in os.environ.items() if k not in names and not k.startswith(("PYTEST", "DJANGO_"))}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return env


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A copy of the project whose own .env the test controls. settings.py finds .env next to
    its resolved parent, so config/ and manage.py are copied; the rest is linked."""
    root = tmp_path_factory.mktemp("pulse")
    for entry in BASE_DIR.iterdir():
        if entry.name in {".env", ".git", ".venv", "config", "manage.py"} or entry.suffix in {".db", ".sqlite3"}:
            continue
        (root / entry.name).symlink_to(entry)
    shutil.copytree(BASE_DIR / "config", root / "config", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(BASE_DIR / "manage.py", root / "manage.py")
    return root


def _run(project: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [sys.executable, *args], env=env, cwd=project, capture_output=True, text=True, timeout=120
    )


def _settings(project: Path, env: dict[str, str]) -> dict[str, str]:
    result = _run(project, "-c", DUMP, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def defaults(project) -> dict[str, str]:
    (project / ".env").unlink(missing_ok=True)
    return _settings(project, _clean_environment())


def test_env_example_sets_no_variable_to_an_empty_string():
    assert [name for name, value in _uncommented().items() if value.strip() == ""] == []


@pytest.mark.parametrize("how", ["copied to .env", "loaded into the environment"])
def test_env_example_as_is_gives_the_embedded_defaults_and_passes_check(project, defaults, how):
    env = _clean_environment()
    if how == "copied to .env":
        shutil.copy(EXAMPLE, project / ".env")
    else:
        (project / ".env").unlink(missing_ok=True)
        env.update(_uncommented())
    try:
        check = _run(project, "manage.py", "check", env=env)
        assert check.returncode == 0, check.stderr
        assert "System check identified no issues" in check.stdout
        configured = _settings(project, env)
    finally:
        (project / ".env").unlink(missing_ok=True)

    assert {name: value for name, value in configured.items() if defaults.get(name) != value} == {}
    # What the empty entries used to break: the database, uploads vs static files, logins, tasks.
    assert ast.literal_eval(configured["PULSE_HMAC_SECRET"]) != ""
    assert "'SIGNING_KEY': ''" not in configured["SIMPLE_JWT"]
    assert "django_prometheus.db.backends.sqlite3" in configured["DATABASES"]
    assert configured["MEDIA_ROOT"] != configured["STATIC_ROOT"]
    assert configured["CELERY_TASK_ALWAYS_EAGER"] == "True"


def test_env_example_in_the_environment_configures_gunicorn(project):
    # honcho loads .env into the environment before gunicorn reads config/gunicorn.py.
    env = {**_clean_environment(), **_uncommented()}
    code = "import runpy; c = runpy.run_path('config/gunicorn.py'); print(c['bind'], c['workers'] > 0, c['threads'])"
    result = _run(project, "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['127.0.0.1:8000'] True 1"
