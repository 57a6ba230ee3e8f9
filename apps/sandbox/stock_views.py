"""HTTP faces of the sandbox WMS and the ERP's price lists (the storefront takes their
updates through the generic bulk receiver, `<system>/bulk/<kind>/`)."""

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from apps.core.errors import HubError
from apps.sandbox.erp_prices import erp_prices_load, erp_prices_page
from apps.sandbox.http import json_body, page_limit
from apps.sandbox.models import SandboxStock
from apps.sandbox.views import SANDBOX_TOKEN
from apps.sandbox.wms import wms_events_send, wms_snapshot_page, wms_stock_set

PAGE_LIMIT = 1000


def _page(status, body) -> JsonResponse:
    return JsonResponse(body, status=status or 200)


@csrf_exempt
@require_http_methods(["POST"])
def wms_events(request):
    """A WMS operator's day, compressed: N stock changes posted to the hub, signed, in batches
    (optionally with resent and held-back events)."""
    spec = json_body(request)
    try:
        run = wms_events_send(
            count=int(spec.get("count", 10)),
            skus=list(spec.get("skus") or []),
            locations=list(spec.get("locations") or ["DC-EAST"]),
            duplicates=int(spec.get("duplicates", 0)),
            out_of_order=int(spec.get("out_of_order", 0)),
            batch_size=int(spec.get("batch_size", 100)),
        )
    except (TypeError, ValueError):
        return JsonResponse({"error": "count, duplicates, out_of_order: numbers"}, status=400)
    except HubError as exc:
        return JsonResponse({"error": exc.message}, status=exc.status)
    return JsonResponse(run.__dict__)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def wms_stock(request):
    """GET: the WMS's stock. POST {"levels": [...]}: change it without telling the hub."""
    if request.method == "POST":
        levels = json_body(request).get("levels")
        if not isinstance(levels, list):
            message = 'Send {"levels": [{"sku", "location", "on_hand", "available"}]}.'
            return JsonResponse({"error": message}, status=400)
        return JsonResponse({"events": wms_stock_set(levels=levels)})
    rows = SandboxStock.objects.order_by("pk").values(
        "sku", "location", "on_hand", "available", "sequence"
    )
    return JsonResponse({"stock": list(rows)})


@require_http_methods(["GET"])
def wms_snapshot(request):
    return _page(
        *wms_snapshot_page(
            after=request.GET.get("after", ""), limit=page_limit(request, maximum=PAGE_LIMIT)
        )
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def erp_price_lists(request):
    """GET: the ERP's contract prices a page at a time (`?account=` for one account's list).
    POST {"prices": [...]}: the ERP's pricing team changes prices."""
    if request.headers.get("Authorization") != f"Bearer {SANDBOX_TOKEN}":
        return JsonResponse({"error": "bad credentials"}, status=401)
    if request.method == "POST":
        try:
            loaded = erp_prices_load(prices=list(json_body(request).get("prices") or []))
        except HubError as exc:
            return JsonResponse({"error": exc.message}, status=exc.status)
        return JsonResponse({"loaded": loaded})
    return _page(
        *erp_prices_page(
            after=request.GET.get("after", ""),
            limit=page_limit(request, maximum=PAGE_LIMIT),
            account=request.GET.get("account", ""),
        )
    )
