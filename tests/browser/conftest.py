import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--no-sandbox",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright; never a downloaded browser."""
    if not CHROMIUM.exists():
        reason = "Debian's chromium is not installed (make test installs it)"
        if os.environ.get("HUB_REQUIRE_SERVICES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def login(browser, live_cast):
    """A fresh browser session logged in to the admin as the given demo user."""
    contexts = []

    def as_user(username: str):
        context = browser.new_context()
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        page.goto(f"{live_cast.url}/admin/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", "demo-pass-123")
        page.click("input[type=submit]")
        page.wait_for_selector("#user-tools")
        return page

    yield as_user
    for context in contexts:
        context.close()
