"""The Content-Security-Policy blocks inline script, and nothing the hub's own pages need."""

import pytest

from apps.ownership.models import FieldOwnership

pytestmark = pytest.mark.browser

# Chromium reports each violation as this event; turned into a console line Playwright sees.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => console.error(
  `Content Security Policy violation: ${event.violatedDirective} ${event.blockedURI}`
));
"""
INJECT_INLINE_SCRIPT = """() => {
  const script = document.createElement("script");
  script.textContent = "window.injected = true";
  document.body.appendChild(script);
}"""


def watch(page) -> list[str]:
    """Every Content Security Policy message the page logs from now on."""
    seen: list[str] = []

    def on_console(message) -> None:
        if "Content Security Policy" in message.text:
            seen.append(message.text)

    page.on("console", on_console)
    page.add_init_script(REPORT_VIOLATIONS)
    return seen


def test_admin_login_page_works_with_no_violation(browser, live_cast):
    context = browser.new_context()
    page = context.new_page()
    violations = watch(page)
    page.goto(f"{live_cast.url}/admin/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "demo-pass-123")
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")
    context.close()
    assert violations == []


def test_admin_change_and_export_pages_work_with_no_violation(live_cast, login):
    admin = login("admin")
    violations = watch(admin)
    rule = FieldOwnership.objects.get(entity="product", field="description")
    admin.goto(f"{live_cast.url}/admin/ownership/fieldownership/{rule.pk}/change/")
    admin.wait_for_selector("input[name=_save]")
    # The roles of one system on one line: the page's own <style> applied.
    assert admin.eval_on_selector("#id_roles_erp", "e => getComputedStyle(e).display") == "flex"
    admin.goto(f"{live_cast.url}/admin/ownership/fieldownership/export/")
    admin.wait_for_selector("input[type=submit]")
    assert violations == []


def test_swagger_ui_renders_the_operations_with_no_violation(browser, live_cast):
    context = browser.new_context()
    page = context.new_page()
    violations = watch(page)
    page.goto(f"{live_cast.url}/api/v1/docs/")
    page.wait_for_selector(".opblock")
    assert page.locator(".opblock").count() >= 4
    context.close()
    assert violations == []


def test_an_injected_inline_script_is_refused_and_reported(browser, live_cast):
    context = browser.new_context()
    page = context.new_page()
    violations = watch(page)
    page.goto(f"{live_cast.url}/admin/login/")
    page.evaluate(INJECT_INLINE_SCRIPT)
    page.wait_for_function("() => document.readyState === 'complete'")
    ran = page.evaluate("() => window.injected === true")
    context.close()
    assert not ran
    assert any("script-src" in text for text in violations)
