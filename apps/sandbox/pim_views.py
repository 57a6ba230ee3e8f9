"""HTTP faces of the sandbox PIM's catalog and of the bulk updates simulated systems receive."""

import json

from django.http import JsonResponse
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from apps.core.errors import HubError
from apps.sandbox.bulk import bulk_accept, bulk_received
from apps.sandbox.pim import MAX_PAGE_SIZE, PAGE_SIZE, pim_page
from apps.sandbox.services import fault_take

# The key each kind of bulk update is identified by, in the receiving system's log.
BULK_KEYS = {"products": "sku", "prices": "sku", "inventory": "sku"}


@require_http_methods(["GET"])
def pim_products(request):
    """GET ?cursor=&limit=&updated_since= : one page of the catalog, as a real PIM pages."""
    status, reason = fault_take(system="pim")
    if status:
        return JsonResponse({"error": f"sandbox fault: {reason}"}, status=status)
    since_text = request.GET.get("updated_since", "")
    since = parse_datetime(since_text) if since_text else None
    limit = request.GET.get("limit", str(PAGE_SIZE))
    if (since_text and since is None) or not limit.isdigit() or not 0 < int(limit) <= MAX_PAGE_SIZE:
        return JsonResponse(
            {"error": f"updated_since is an ISO date-time; limit is 1 to {MAX_PAGE_SIZE}."},
            status=400,
        )
    try:
        page = pim_page(cursor=request.GET.get("cursor", ""), limit=int(limit), updated_since=since)
    except HubError as exc:
        return JsonResponse({"error": exc.message}, status=400)
    return JsonResponse(page)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def bulk(request, system: str, kind: str):
    """POST {"<kind>": [...]}: a bulk update the system takes; GET: what it has received."""
    if kind not in BULK_KEYS:
        return JsonResponse({"error": f"No bulk {kind} here."}, status=404)
    if request.method == "GET":
        receipts = bulk_received(system=system, kind=kind)
        return JsonResponse(
            {
                "received": [
                    {"count": r.count, "keys": r.keys, "key": r.idempotency_key} for r in receipts
                ]
            }
        )
    try:
        body = json.loads(request.body or b"{}")
        status, answer = bulk_accept(
            system=system,
            kind=kind,
            key_field=BULK_KEYS[kind],
            key=request.headers.get("Idempotency-Key", ""),
            body=body if isinstance(body, dict) else {},
        )
    except (ValueError, HubError) as exc:
        return JsonResponse({"error": getattr(exc, "message", "Not JSON.")}, status=400)
    return JsonResponse(answer, status=status)
