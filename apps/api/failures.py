"""Partner self-service: what the hub refused or held of your payloads, and what to change.

`GET /api/v1/failures/` answers JSON; `GET /api/v1/failures/page/` the same list as a page a
person reads. Both merge rejected payloads and items held in quarantine, newest first.
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpResponse
from django.template.loader import render_to_string
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import StaticHTMLRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.api.advice import advice_for
from apps.api.authentication import PartnerTokenAuthentication
from apps.api.failure_links import FailureLinkAuthentication
from apps.api.outputs import FailureOut, FailurePageOut, FailureQueryIn
from apps.api.pagination import PartnerPages
from apps.api.selectors import partner_quarantined, partner_rejected_envelopes

# The newest of each kind looked at per request; a narrower since/until reaches older ones.
WINDOW = 500
KINDS = ("rejected", "quarantined")


def partner_failures(*, system, kind: str = "", since=None, until=None) -> list[dict]:
    """The partner's rejected payloads and quarantined items, newest first, explained."""
    rows: list[dict] = []
    if kind in ("", "rejected"):
        envelopes = _in_range(partner_rejected_envelopes(system=system), since, until)
        rows += [_rejected(envelope) for envelope in envelopes[:WINDOW]]
    if kind in ("", "quarantined"):
        items = _in_range(partner_quarantined(system=system), since, until)
        rows += [_quarantined(item) for item in items[:WINDOW]]
    return sorted(rows, key=lambda row: (row["at"], row["id"]), reverse=True)


def _in_range(rows, since: datetime | None, until: datetime | None):
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    if until is not None:
        rows = rows.filter(created_at__lt=until)
    return rows


def _rejected(envelope) -> dict:
    error = (envelope.response_body or {}).get("error") or {}
    code = envelope.error_code or error.get("code") or "rejected"
    reason, change = advice_for(code)
    return {
        "id": f"envelope-{envelope.pk}",
        "kind": "rejected",
        "flow": envelope.flow.code,
        "at": envelope.created_at,
        "idempotency_key": envelope.idempotency_key,
        "subject": envelope.subject_key,
        "code": code,
        "message": error.get("message", ""),
        "reason": reason,
        "what_to_change": change,
        "fields": error.get("fields") or {},
        "status": "rejected",
    }


def _quarantined(item) -> dict:
    reason, change = advice_for(item.reason_code)
    return {
        "id": f"quarantine-{item.pk}",
        "kind": "quarantined",
        "flow": item.flow.code,
        "at": item.created_at,
        "idempotency_key": "",
        "subject": f"{item.subject_type} {item.subject_key}",
        "code": item.reason_code,
        "message": item.message,
        "reason": reason,
        "what_to_change": change,
        "fields": {},
        "status": item.get_status_display(),
    }


FILTERS = [
    OpenApiParameter("kind", str, enum=list(KINDS), description="Only one kind of failure."),
    OpenApiParameter("since", datetime, description="Failures at or after this instant."),
    OpenApiParameter("until", datetime, description="Failures before this instant."),
    OpenApiParameter("page", int, description="A page number; past the last answers 404."),
    OpenApiParameter("page_size", int, description="Failures per page (at most 200)."),
]


class FailureQuery(APIView):
    """Shared by the JSON list and the page: the caller's failures, filtered and paginated."""

    required_scopes = {"GET": "failures:read"}

    def page_of_failures(self, request):
        asked = FailureQueryIn(data=request.query_params)
        asked.is_valid(raise_exception=True)
        rows = partner_failures(system=request.user.system, **asked.validated_data)
        self.paginator = PartnerPages()
        return self.paginator.paginate_queryset(rows, request, view=self)


class FailureList(FailureQuery):
    """Your rejected payloads and the items held from them, with what you must change."""

    @extend_schema(
        parameters=FILTERS,
        responses={200: FailurePageOut},
        examples=[
            OpenApiExample(
                "A price the ERP does not authorise",
                value={
                    "count": 1,
                    "next": None,
                    "previous": None,
                    "results": [
                        {
                            "id": "quarantine-7",
                            "kind": "quarantined",
                            "flow": "order-capture",
                            "at": "2026-11-26T08:00:00Z",
                            "idempotency_key": "",
                            "subject": "order HUB-0000042",
                            "code": "price_mismatch",
                            "message": "Line 1: unit price 4.20 differs from the authorised 0.35.",
                            "reason": "An order line's unit price differs from the price "
                            "authorised for the account.",
                            "what_to_change": "Send the price GET /api/v1/prices/?account=&sku= "
                            "gives; the order waits for the pricing owner meanwhile.",
                            "fields": {},
                            "status": "Waiting for the business owner to correct it",
                        }
                    ],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request):
        rows = self.page_of_failures(request)
        return self.paginator.get_paginated_response(FailureOut(rows, many=True).data)


class HtmlOnly(BaseContentNegotiation):
    """The page is HTML whatever the client's Accept header says."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class FailurePage(FailureQuery):
    """The same list as a page a person reads: send your token as for the API, or open a link
    the hub issued for you (`?link=`) in a browser."""

    renderer_classes = [StaticHTMLRenderer]
    content_negotiation_class = HtmlOnly
    # The token first: its scheme names the 401's WWW-Authenticate challenge.
    authentication_classes = [PartnerTokenAuthentication, FailureLinkAuthentication]

    @extend_schema(
        parameters=FILTERS,
        responses={200: OpenApiResponse(description="An HTML page listing the failures.")},
        extensions={"x-hub-html": True},
    )
    def get(self, request):
        rows = self.page_of_failures(request)
        context = {
            "partner": request.user.system,
            "failures": rows,
            "count": self.paginator.page.paginator.count,
            "next": self.paginator.get_next_link(),
            "previous": self.paginator.get_previous_link(),
        }
        return HttpResponse(render_to_string("api/failures.html", context))

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        if not isinstance(response, Response):
            return response
        error = response.data["error"]
        page = HttpResponse(
            render_to_string("api/failure_error.html", error), status=response.status_code
        )
        for header in ("Retry-After", "WWW-Authenticate"):
            if header in response:
                page[header] = response[header]
        return page
