"""A person at a partner reads its failures page from a link an admin issued: no token tool."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from apps.api.access_log import _without_secrets
from apps.api.failure_links import failure_link_issue, failure_link_revoke
from apps.api.models import FailureLink, PartnerAccess
from apps.core.errors import NotFound, ValidationFailed
from apps.systems.models import System
from tests.api.partner_world import client_for, marketplace, order_post

pytestmark = pytest.mark.django_db

HELD = [{"sku": "ACME-NUT-M8", "quantity": "1", "uom": "EA", "unit_price": "9.99"}]


def storefront() -> System:
    return System.objects.get(code="storefront")


def held_order(token: str, key: str, **changes) -> str:
    return order_post(client_for(token), key, lines=HELD, **changes)["number"]


def test_a_link_opens_the_partners_page_in_a_plain_browser(cast):
    number = held_order(cast.token, "link-1")
    _, path = failure_link_issue(system=storefront(), note="Dana in purchasing")
    page = Client().get(path)  # no Authorization header: what a browser sends
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    assert number in page.content.decode()
    access = PartnerAccess.objects.get(route="failures-page")
    assert access.system == storefront() and access.credential.startswith("link:")
    key = path.split("link=")[1]
    # The access log shows a link was used (and its prefix), never the key that opens the page.
    assert key not in access.query and access.query == "link=[redacted]"


def test_a_link_shows_only_its_own_partners_failures(cast):
    mine = held_order(cast.token, "link-2")
    _, token = marketplace()
    theirs = held_order(token, "link-3", account="CT-2001")
    _, path = failure_link_issue(system=System.objects.get(code="marketplace"))
    text = Client().get(path).content.decode()
    assert theirs in text and mine not in text


def test_an_expired_or_revoked_or_unknown_link_is_refused(cast):
    expired, expired_path = failure_link_issue(system=storefront(), days=1)
    FailureLink.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(1))
    revoked, revoked_path = failure_link_issue(system=storefront())
    failure_link_revoke(link=revoked)
    for path in (
        expired_path,
        revoked_path,
        "/api/v1/failures/page/?link=nope",
        "/api/v1/failures/page/?link=%C3%A9",
        "/api/v1/failures/page/?link=",
    ):
        page = Client().get(path)
        assert page.status_code == 401, path
        assert page["Content-Type"].startswith("text/html")
        assert "unknown, expired or revoked" in page.content.decode()


def test_a_link_of_a_deactivated_partner_stops_working(cast):
    _, path = failure_link_issue(system=storefront())
    System.objects.filter(code="storefront").update(is_active=False)
    assert Client().get(path).status_code == 401


def test_a_link_reads_that_page_and_nothing_else(cast):
    _, path = failure_link_issue(system=storefront())
    key = path.split("link=")[1]
    for other in ("/api/v1/failures/", "/api/v1/orders/", "/api/v1/accounts/"):
        answer = Client().get(f"{other}?link={key}")
        assert answer.status_code == 401, other
        answer = Client().get(other, HTTP_AUTHORIZATION=f"Token {key}")
        assert answer.status_code == 401, other


def test_the_pages_next_link_keeps_the_link(cast):
    for index in range(3):
        held_order(cast.token, f"link-page-{index}", po_number=f"PO-L{index}")
    _, path = failure_link_issue(system=storefront())
    page = Client().get(f"{path}&page_size=1").content.decode()
    older = re.search(r'href="([^"]+)">Older', page).group(1).replace("&amp;", "&")
    assert "link=" in older
    assert Client().get(older).status_code == 200


def test_issuing_refuses_an_inactive_partner_and_a_long_life(cast):
    with pytest.raises(ValidationFailed):
        failure_link_issue(system=storefront(), days=31)
    with pytest.raises(ValidationFailed):
        failure_link_issue(system=storefront(), days=0)
    System.objects.filter(code="storefront").update(is_active=False)
    with pytest.raises(NotFound):
        failure_link_issue(system=System.objects.get(code="storefront"))


def test_an_admin_issues_a_link_shown_once_and_revokes_it(cast):
    admin = User.objects.create_superuser("links-admin", "links@example.com", "x")
    browser = Client()
    browser.force_login(admin)
    answer = browser.post(
        "/admin/api/failurelink/add/",
        {"system": storefront().pk, "note": "Dana", "days": 3},
        follow=True,
    )
    assert answer.status_code == 200
    text = answer.content.decode()
    url = re.search(r"(http://testserver/api/v1/failures/page/\?link=[\w-]+)", text).group(1)
    link = FailureLink.objects.get()
    assert link.issued_by == admin and link.note == "Dana"
    assert timedelta(days=2, hours=23) < link.expires_at - timezone.now() <= timedelta(days=3)
    assert link.digest not in text and url.split("link=")[1][:8] == link.prefix
    assert Client().get(url).status_code == 200

    browser.post(
        "/admin/api/failurelink/",
        {"action": "revoke", "_selected_action": [link.pk]},
    )
    assert Client().get(url).status_code == 401


@pytest.mark.parametrize(
    ("query", "logged"),
    [
        ("page=2&link=abc", "page=2&link=[redacted]"),
        ("access_token=t&status=held", "access_token=[redacted]&status=held"),
        ("status=held&page=2", "status=held&page=2"),
        ("", ""),
    ],
)
def test_credentials_in_a_query_string_never_reach_the_access_log(query, logged):
    assert _without_secrets(query) == logged
