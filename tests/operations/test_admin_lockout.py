"""Admin sign-in lockout (django-axes): wrong passwords pause one username from one address."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone

pytestmark = pytest.mark.django_db

PASSWORD = "demo-pass-123"


def sign_in(username: str, password: str = PASSWORD, address: str = "198.51.100.7", **headers):
    return Client().post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        **headers,
    )


def fail_until_locked(username: str, **where) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(username, "wrong-password", **where)


def test_wrong_passwords_below_the_limit_leave_the_form_and_the_right_one_works(cast):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in("pricing", "wrong-password").status_code == 200
    assert sign_in("pricing").status_code == 302


def test_after_the_limit_even_the_right_password_gets_the_lockout_page(cast):
    fail_until_locked("pricing")
    response = sign_in("pricing")
    assert response.status_code == 429
    assert "_auth_user_id" not in response.wsgi_request.session
    page = response.content.decode()
    assert "Sign-in paused for “pricing”" in page
    assert f"Try again in {settings.HUB_LOGIN_COOLOFF_MINUTES} minutes" in page


def test_another_user_from_the_same_address_can_still_sign_in(cast):
    fail_until_locked("pricing")
    assert sign_in("approver").status_code == 302


def test_same_user_from_another_address_is_not_locked_out(cast):
    # Locking the pair, not the username: a guesser cannot lock the real person out.
    fail_until_locked("pricing", address="198.51.100.7")
    assert sign_in("pricing", address="192.0.2.44").status_code == 302


def test_a_forged_forwarded_header_does_not_escape_the_lock_without_a_trusted_proxy(cast):
    fail_until_locked("pricing", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert sign_in("pricing", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 429


@override_settings(HUB_TRUSTED_PROXY_COUNT=1)
def test_behind_a_trusted_proxy_the_callers_address_is_the_one_locked(cast):
    proxy = {"address": "10.0.0.2"}
    fail_until_locked("pricing", HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy)
    assert sign_in("pricing", HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy).status_code == 429
    # What the caller wrote before the proxy's own entry proves nothing and changes nothing.
    forged = "203.0.113.9, 203.0.113.5"
    assert sign_in("pricing", HTTP_X_FORWARDED_FOR=forged, **proxy).status_code == 429
    assert sign_in("pricing", HTTP_X_FORWARDED_FOR="203.0.113.9", **proxy).status_code == 302


def test_the_lock_lifts_once_the_cool_off_has_passed(cast):
    fail_until_locked("pricing")
    waited = timedelta(minutes=settings.HUB_LOGIN_COOLOFF_MINUTES, seconds=1)
    AccessAttempt.objects.update(attempt_time=timezone.now() - waited)
    assert sign_in("pricing").status_code == 302


def test_axes_reset_lifts_every_lock(cast):
    fail_until_locked("pricing")
    call_command("axes_reset")
    assert sign_in("pricing").status_code == 302
