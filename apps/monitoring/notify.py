"""Telling people: e-mail to the owner (and escalation), and a signed webhook to on-call.

Both are sent after the transaction that raised the alert commits, never inside it. The
webhook follows Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature), so any
receiver with the shared secret can verify it with the standardwebhooks library.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime

import requests
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from apps.operations.models import Alert

log = logging.getLogger(__name__)


def alert_document(alert: Alert) -> dict:
    """The alert as the webhook carries it: what, where, who decides, what it costs."""
    return {
        "type": f"alert.{alert.state}",
        "alert": alert.pk,
        "kind": alert.kind,
        "flow": alert.flow.code if alert.flow_id else None,
        "subject": {"type": alert.subject_type, "key": alert.subject_key},
        "owner": {"name": alert.owner.name, "email": alert.owner.email},
        "message": alert.message,
        "value_at_stake": str(alert.value_at_stake),
        "lines_at_stake": alert.lines_at_stake,
        "runbook": alert.runbook_url,
        "link": settings.HUB_PUBLIC_URL + f"/ops/alerts/{alert.pk}/",
    }


def alert_notify(*, alert: Alert, recipients: list[str], subject: str) -> None:
    """E-mail the recipients and post the signed webhook; called on commit."""
    body = f"{alert.message}\n\nRunbook: {alert.runbook_url}"
    send_mail(subject=subject, message=body, from_email=None, recipient_list=recipients)
    webhook_post(document=alert_document(alert), message_id=f"alert-{alert.pk}-{alert.state}")


def webhook_post(*, document: dict, message_id: str, now: datetime | None = None) -> int | None:
    """Sign and post to HUB_ALERT_WEBHOOK_URL; a failed post is logged, the alert stands."""
    url, secret = settings.HUB_ALERT_WEBHOOK_URL, settings.HUB_ALERT_WEBHOOK_SECRET
    if not url:
        return None
    payload = json.dumps(document, sort_keys=True)
    timestamp = now or timezone.now()
    headers = {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, timestamp, payload),
    }
    try:
        answer = requests.post(url, data=payload, headers=headers, timeout=5)
    except requests.RequestException as exc:
        log.warning("alert webhook to %s failed: %s", url, exc)
        return None
    if answer.status_code >= 300:
        log.warning("alert webhook to %s answered %s", url, answer.status_code)
    return answer.status_code
