"""Schemathesis over the published OpenAPI document, in process against the Django app.

Every operation gets generated requests, valid and invalid, with a partner token; no answer
may be a server error, and every status code and content type must be one the document
gives for that operation. Examples per operation are bounded so the run stays well under two
minutes.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, status_code_conformance

from apps.systems.models import System

pytestmark = pytest.mark.django_db
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance]


# The schema view needs no database, so the document is read once, at collection.
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())


@pytest.fixture
def partner(cast):
    # The generated requests would soon spend the partner's per-minute budget (a 429 is
    # documented, but then nothing past it is exercised).
    System.objects.filter(code="storefront").update(api_requests_per_minute=1_000_000)
    # As Django's test client does: a WSGI request must not close the test's connection
    # (and with it the transaction the test runs in).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield {"Authorization": f"Token {cast.token}"}
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_error_and_no_undocumented_answer(case, partner):
    case.call_and_validate(headers=partner, checks=CHECKS)
