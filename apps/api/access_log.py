"""Every partner API request leaves a record: who (partner, credential), what, when, answer.

A payload posted to a flow (orders, records, webhooks) is stored as received, as an
`Envelope` naming the partner, flow, key, time and answer: that is its record, and order
capture pays no extra query. Every other request (the reads) costs one insert here, written
after the view so the row carries the status the partner got; a failure to write it is logged
and never turns the partner's answer into an error.
"""

import logging
from urllib.parse import parse_qsl, urlencode

from django.db import DatabaseError
from django.utils import timezone

from apps.api.authentication import PartnerPrincipal
from apps.api.intake import FlowIntakeView
from apps.api.models import PartnerAccess

logger = logging.getLogger("apps.api")


class PartnerAccessLog:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # A method the route does not have (405) reached no data: nothing to record.
        if not request.path.startswith("/api/") or response.status_code == 405:
            return response
        # DRF puts the partner it authenticated on the request; anything else is no partner.
        principal = request.__dict__.get("user")
        if isinstance(principal, PartnerPrincipal) and not _kept_as_envelope(request):
            access_record(request, principal, response.status_code)
        return response


def access_record(request, principal: PartnerPrincipal, status: int) -> None:
    match = getattr(request, "resolver_match", None)
    try:
        PartnerAccess.objects.create(
            at=timezone.now(),
            system=principal.system,
            credential=principal.credential[:120],
            method=request.method[:10],
            path=request.path[:300],
            query=_without_secrets(request.META.get("QUERY_STRING", ""))[:500],
            route=(match.url_name or "")[:60] if match else "",
            status=status,
        )
    except DatabaseError:
        logger.exception("Partner access not logged: %s %s", request.method, request.path)


# Query parameters that carry a credential (a failures-page link, a token some client puts in
# the address): the log says one was used, never what it was; its prefix is in `credential`.
SECRET_PARAMETERS = frozenset({"link", "access_token", "token", "client_secret"})


def _without_secrets(query: str) -> str:
    pairs = parse_qsl(query, keep_blank_values=True)
    if not any(name.lower() in SECRET_PARAMETERS for name, _ in pairs):
        return query
    return urlencode(
        [(n, "[redacted]" if n.lower() in SECRET_PARAMETERS else v) for n, v in pairs],
        safe="[]",
    )


def _kept_as_envelope(request) -> bool:
    match = getattr(request, "resolver_match", None)
    view = getattr(getattr(match, "func", None), "view_class", None)
    return request.method == "POST" and view is not None and issubclass(view, FlowIntakeView)
