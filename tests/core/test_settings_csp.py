"""The Content-Security-Policy header: enforced by default, report-only when asked."""

from tests.core.test_settings_production import manage

HEADERS = """
from django.test import Client
response = Client().get("/healthz")
print(response.get("Content-Security-Policy"))
print(response.get("Content-Security-Policy-Report-Only"))
"""


def directives(header: str) -> dict[str, list[str]]:
    parts = (part.split() for part in header.split(";") if part.strip())
    return {name: sources for name, *sources in parts}


def test_every_page_carries_a_policy_that_blocks_inline_script(client):
    policy = directives(client.get("/admin/login/")["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["base-uri"] == ["'self'"]


def test_report_only_reports_to_the_configured_uri_and_blocks_nothing(tmp_path):
    env = {"DEBUG": "1", "HUB_CSP_REPORT_ONLY": "1", "HUB_CSP_REPORT_URI": "/csp-reports/"}
    result = manage("shell", "--no-imports", "-c", HEADERS, env=env, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    enforced, report_only = result.stdout.strip().splitlines()[-2:]
    assert enforced == "None"
    assert directives(report_only)["report-uri"] == ["/csp-reports/"]
    assert directives(report_only)["script-src"][0] == "'self'"
