"""HTTP faces of what the sandbox storefront shows (stock and prices) and of its import faults."""

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from apps.core.errors import HubError
from apps.sandbox.http import json_body, page_limit
from apps.sandbox.listing import listing_fault_add, listing_faults_clear, listing_page

PAGE_LIMIT = 1000


def _listing(request, kind: str) -> JsonResponse:
    limit = page_limit(request, maximum=PAGE_LIMIT)
    return JsonResponse(listing_page(kind=kind, after=request.GET.get("after", ""), limit=limit))


@require_http_methods(["GET"])
def storefront_stock(request):
    """The stock levels the storefront shows, a page at a time (`?after=` its cursor)."""
    return _listing(request, "inventory")


@require_http_methods(["GET"])
def storefront_prices(request):
    """The contract prices the storefront shows, a page at a time (`?after=` its cursor)."""
    return _listing(request, "prices")


@csrf_exempt
@require_http_methods(["POST", "DELETE"])
def storefront_listing_faults(request):
    """POST {"kind", "action", "sku", "by", "count"}: the storefront's import goes wrong;
    DELETE: it works again (what it already shows stays as it is)."""
    if request.method == "DELETE":
        listing_faults_clear()
        return JsonResponse({"faults": None})
    try:
        fault = listing_fault_add(spec=json_body(request))
    except HubError as exc:
        return JsonResponse({"error": exc.message}, status=400)
    return JsonResponse(
        {
            "fault": {
                "kind": fault.kind,
                "action": fault.action,
                "sku": fault.sku,
                "by": str(fault.by.normalize()),
                "count": fault.count,
            }
        }
    )
