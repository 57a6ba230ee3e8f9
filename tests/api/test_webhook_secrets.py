"""Signing secrets for partners' webhook calls (Standard Webhooks): issue, verify, rotate."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from standardwebhooks import Webhook

from apps.api.models import WebhookSecret
from apps.api.services import webhook_secret_issue, webhook_signature_problem
from apps.systems.models import System

pytestmark = pytest.mark.django_db
BODY = b'{"events": []}'


def signed(secret: str, body: bytes = BODY, moment=None) -> dict:
    moment = moment or timezone.now()
    return {
        "webhook-id": "msg-1",
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": Webhook(secret).sign("msg-1", moment, body.decode()),
    }


def problem(headers: dict, body: bytes = BODY) -> str:
    return webhook_signature_problem(
        system=System.objects.get(code="wms"), raw=body, headers=headers
    )


def test_a_call_signed_with_the_issued_secret_verifies(cast):
    assert problem(signed(webhook_secret_issue(partner_code="wms"))) == ""


def test_the_secret_is_stored_encrypted_and_shown_once(cast):
    secret = webhook_secret_issue(partner_code="wms")
    with connection.cursor() as cursor:  # the column as stored, past the field's decryption
        cursor.execute(f"SELECT secret FROM {WebhookSecret._meta.db_table}")
        [(stored,)] = cursor.fetchall()
    assert secret not in stored and stored.startswith("enc:")
    assert WebhookSecret.objects.get().secret == secret


def test_a_changed_body_does_not_verify(cast):
    headers = signed(webhook_secret_issue(partner_code="wms"))
    assert "does not verify" in problem(headers, body=b'{"events": [1]}')


def test_an_old_signature_cannot_be_replayed(cast):
    long_ago = timezone.now() - datetime.timedelta(minutes=10)
    headers = signed(webhook_secret_issue(partner_code="wms"), moment=long_ago)
    assert "too old" in problem(headers)


def test_mangled_headers_are_a_refusal_not_an_error(cast):
    webhook_secret_issue(partner_code="wms")
    headers = {"webhook-id": "x", "webhook-timestamp": "now", "webhook-signature": "v1"}
    assert problem(headers)
    assert "Missing" in problem({})


def test_either_secret_verifies_while_rotating_and_a_revoked_one_does_not(cast):
    old = webhook_secret_issue(partner_code="wms")
    new = webhook_secret_issue(partner_code="wms")
    assert problem(signed(old)) == "" and problem(signed(new)) == ""
    WebhookSecret.objects.filter(prefix=old[:12]).update(revoked_at=timezone.now())
    assert problem(signed(old)) and problem(signed(new)) == ""


def test_a_system_without_a_secret_is_refused(cast):
    assert "No webhook signing secret" in problem(signed(WebhookSecret.new_secret()))


def test_the_command_prints_a_new_secret(cast):
    out = io.StringIO()
    call_command("webhook_secret", "wms", stdout=out)
    assert out.getvalue().strip().startswith("whsec_")
    assert problem(signed(out.getvalue().strip())) == ""
