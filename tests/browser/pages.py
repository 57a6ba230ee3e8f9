"""Moves between pages in the browser tests."""


def follow(page, target) -> None:
    """Click what loads a new page and return once that page has loaded.

    Playwright's click returns as soon as the navigation has started; reads that do not wait
    (`count()`, `get_attribute`) or that match the old page too would then see a page still
    being parsed or the one being left.
    """
    locator = page.locator(target) if isinstance(target, str) else target
    with page.expect_navigation():
        locator.click()
