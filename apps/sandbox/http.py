"""Request reading shared by the sandbox systems' views (ERP, WMS, PIM, gateway, ledger)."""

import json

DEFAULT_PAGE = 500


def json_body(request) -> dict:
    """The request's JSON object; anything else reads as empty, as a lenient test system does."""
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def page_limit(request, *, maximum: int | None = None) -> int:
    """`?limit=` as a positive page size, capped at `maximum`; the default page otherwise."""
    value = request.GET.get("limit", "")
    limit = int(value) if value.isdigit() and int(value) > 0 else DEFAULT_PAGE
    return min(limit, maximum) if maximum else limit
