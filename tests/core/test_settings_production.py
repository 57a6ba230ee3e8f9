"""Production settings: the hub refuses to start unsafe, and `check --deploy` is clean.

Each test runs `manage.py` in a child process with only the variables it names, because the
settings are read once at start-up: that is where a bad value has to be caught.
"""

import base64
import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from integration_hub.settings import LOCAL_SECRET_KEY

# The child processes get only the variables named here, never the suite's DATABASE_URL: the
# PostgreSQL pass would run exactly the same thing again.
pytestmark = pytest.mark.no_test_database
ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = secrets.token_urlsafe(64)
# Another section requires it with DEBUG off; any valid Fernet key will do here.
ENCRYPTION_KEY = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
BASE = {"DEBUG": "0", "HUB_FIELD_ENCRYPTION_KEYS": ENCRYPTION_KEY}

# README "Running in production", once: the values `check --deploy` must be clean with.
PRODUCTION = {
    **BASE,
    "SECRET_KEY": STRONG_KEY,
    "ALLOWED_HOSTS": "hub.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://hub.example.com",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
    "SESSION_COOKIE_SECURE": "1",
    "CSRF_COOKIE_SECURE": "1",
    "HUB_TRUST_X_FORWARDED_PROTO": "1",
    "SANDBOX_ENABLED": "0",
}
# Secrets are the operator's own; every other production value is written in the README.
DOCUMENTED = {
    k: v for k, v in PRODUCTION.items() if k not in ("SECRET_KEY", "HUB_FIELD_ENCRYPTION_KEYS")
}

PROBE = """
import json
from django.test import Client
client = Client(HTTP_HOST="hub.example.com")
def seen(path, **extra):
    response = client.get(path, **extra)
    return {
        "status": response.status_code,
        "location": response.get("Location"),
        "hsts": response.get("Strict-Transport-Security"),
    }
print(json.dumps({
    "healthz": seen("/healthz"),
    "plain": seen("/admin/login/"),
    "proxied": seen("/admin/login/", HTTP_X_FORWARDED_PROTO="https"),
}))
"""


def hub_environment(tmp_path: Path) -> dict[str, str]:
    """Only what a process needs to run, and the real settings: nothing from the test run."""
    return {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "HUB_STATE_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "integration_hub.settings",
    }


def manage(*args: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**hub_environment(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_refuses_to_start_without_a_secret_key_when_debug_is_off(tmp_path):
    result = manage("check", env=BASE, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is missing or weak" in result.stderr
    assert "secrets.token_urlsafe(64)" in result.stderr  # and says how to make one


@pytest.mark.parametrize(
    "key",
    [
        pytest.param(LOCAL_SECRET_KEY, id="the-committed-local-key"),
        pytest.param(secrets.token_urlsafe(20), id="short"),
        pytest.param("ab" * 40, id="few-distinct-characters"),
        pytest.param("django-insecure-" + secrets.token_urlsafe(64), id="django-insecure-prefix"),
    ],
)
def test_refuses_to_start_on_a_weak_secret_key_when_debug_is_off(tmp_path, key):
    result = manage("check", env={**BASE, "SECRET_KEY": key}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY is missing or weak" in result.stderr


def test_starts_on_a_strong_secret_key_of_its_own(tmp_path):
    result = manage("check", env={**BASE, "SECRET_KEY": STRONG_KEY}, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr


def test_debug_runs_on_the_committed_local_key_without_setup(tmp_path):
    result = manage("check", env={"DEBUG": "1"}, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr


def test_check_deploy_is_clean_with_the_documented_production_values(tmp_path):
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION, tmp_path=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_without_the_secure_settings_the_hub_still_starts_and_check_deploy_warns(tmp_path):
    result = manage("check", "--deploy", env={**BASE, "SECRET_KEY": STRONG_KEY}, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SECURE_HSTS_SECONDS", "a year"),
        ("SECURE_HSTS_SECONDS", "-1"),
        ("SECURE_SSL_REDIRECT", "ture"),
        ("CSRF_TRUSTED_ORIGINS", "hub.example.com"),
        ("HUB_LOG_FORMAT", "yaml"),
        ("HUB_LOG_LEVEL", "LOUD"),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_variable(tmp_path, name, value):
    result = manage("check", env={**PRODUCTION, name: value}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {name}" in result.stderr


def test_https_redirect_spares_probes_and_trusts_the_proxy_header(tmp_path):
    result = manage("shell", "--no-imports", "-c", PROBE, env=PRODUCTION, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["healthz"]["status"] == 200  # a probe over plain HTTP is not redirected
    assert seen["plain"]["status"] == 301
    assert seen["plain"]["location"] == "https://hub.example.com/admin/login/"
    assert seen["proxied"]["status"] == 200  # the proxy said HTTPS: served, with HSTS
    assert seen["proxied"]["hsts"] == "max-age=31536000; includeSubDomains; preload"


def test_readme_documents_every_production_value():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Running in production", 1)[1].split("\n## ", 1)[0]
    rows = dict(re.findall(r"^\| `(\w+)` \| `([^`]*)` \|", section, flags=re.MULTILINE))
    assert {name: rows.get(name) for name in DOCUMENTED} == DOCUMENTED
    for name in ("SECRET_KEY", "HUB_CSP_REPORT_ONLY", "HUB_CSP_REPORT_URI"):
        assert f"`{name}`" in section
    assert "check --deploy --fail-level WARNING" in section


def test_env_example_lists_every_security_variable():
    listed = re.findall(r"^(\w+)=", (ROOT / ".env.example").read_text(), flags=re.MULTILINE)
    extra = ("HUB_CSP_REPORT_ONLY", "HUB_CSP_REPORT_URI", "HUB_LOG_FORMAT", "HUB_LOG_LEVEL")
    assert {"SECRET_KEY", *DOCUMENTED, *extra} <= set(listed)


SHOW_DATABASE = (
    "import json; from django.conf import settings; d = settings.DATABASES['default']; "
    "print(json.dumps([d.get('CONN_MAX_AGE', 0), d.get('CONN_HEALTH_CHECKS', False)]))"
)
POSTGRES_URL = "postgres://hub@db.example.com:5432/hub"


@pytest.mark.parametrize(
    ("env", "kept_seconds", "checked"),
    [
        pytest.param({"DATABASE_URL": POSTGRES_URL}, 300, True, id="postgres-default"),
        pytest.param(
            {"DATABASE_URL": POSTGRES_URL, "HUB_DB_CONN_MAX_AGE": "30"}, 30, True, id="env"
        ),
        pytest.param(
            {"DATABASE_URL": f"{POSTGRES_URL}?conn_max_age=0"}, 0, True, id="url-turns-it-off"
        ),
        pytest.param({}, 0, False, id="sqlite-as-django-does"),
    ],
)
def test_postgres_connections_are_kept_between_requests_and_checked_before_use(
    tmp_path, env, kept_seconds, checked
):
    # Settings only (no connection is opened): a new connection per request was most of the
    # database's CPU on the order API; the health check is what makes keeping one safe.
    result = manage("shell", "-c", SHOW_DATABASE, env={"DEBUG": "1", **env}, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [kept_seconds, checked]
