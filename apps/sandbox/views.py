"""HTTP faces of the simulated systems; they answer like the real ones, over real HTTP."""

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from apps.core.errors import HubError
from apps.sandbox.http import json_body, page_limit
from apps.sandbox.models import SandboxReceipt
from apps.sandbox.order_book import erp_orders_page, storefront_orders_page
from apps.sandbox.services import (
    erp_order_accept,
    erp_status_document,
    erp_status_record,
    erp_status_send,
    fault_clear,
    fault_set,
    storefront_status_accept,
    webhook_clear,
    webhook_configure,
)

SANDBOX_TOKEN = "sandbox-erp-token"


@require_http_methods(["GET"])
def received(request, system: str):
    rows = SandboxReceipt.objects.filter(system=system)
    return JsonResponse(
        {
            "received": [
                {
                    "path": r.path,
                    "idempotency_key": r.idempotency_key,
                    "body": r.body,
                    "answer": r.answer,
                    "at": r.created_at.isoformat(),
                }
                for r in rows
            ]
        }
    )


@csrf_exempt
@require_http_methods(["POST", "DELETE"])
def faults(request, system: str):
    if request.method == "DELETE":
        fault_clear(system=system)
        return JsonResponse({"faults": None})
    try:
        fault = fault_set(system=system, spec=json_body(request))
    except HubError as exc:
        return JsonResponse({"error": exc.message}, status=400)
    return JsonResponse(
        {
            "faults": {
                "status": fault.status,
                "count": fault.count,
                "down": fault.down,
                "reject_sku": fault.reject_sku,
                "retry_after": fault.retry_after,
            }
        }
    )


@csrf_exempt
@require_http_methods(["POST"])
def erp_orders(request):
    if request.headers.get("Authorization") != f"Bearer {SANDBOX_TOKEN}":
        return JsonResponse({"error": "bad credentials"}, status=401)
    status, body = erp_order_accept(
        key=request.headers.get("Idempotency-Key", ""), body=json_body(request)
    )
    response = JsonResponse(body, status=status)
    if body.get("retry_after"):
        # A faked 429 or 503 says when to come back, as a real ERP's would.
        response["Retry-After"] = str(body["retry_after"])
    return response


@csrf_exempt
@require_http_methods(["POST", "DELETE"])
def webhook(request, system: str):
    """Where the system sends its events in the hub, and the partner token it sends them with."""
    if request.method == "DELETE":
        webhook_clear(system=system)
        return JsonResponse({"webhook": None})
    try:
        configured = webhook_configure(system=system, spec=json_body(request))
    except HubError as exc:
        return JsonResponse({"error": exc.message}, status=400)
    # The token is a secret the caller already knows: never echoed back.
    return JsonResponse({"webhook": {"url": configured.url}})


@csrf_exempt
@require_http_methods(["POST"])
def erp_order_status(request, number: str):
    """An ERP user acts on one of its orders; the ERP tells the hub, and this answers both."""
    try:
        document = erp_status_document(order_number=number, spec=json_body(request))
        erp_status_record(document=document)
        status, answer = erp_status_send(document=document)
    except HubError as exc:
        return JsonResponse({"error": exc.message}, status=exc.status)
    key = f"erp-status-{document['document_id']}"
    return JsonResponse(
        {"document": document, "idempotency_key": key, "hub_answer": answer}, status=status
    )


@csrf_exempt
@require_http_methods(["POST"])
def storefront_order_status(request):
    status, body = storefront_status_accept(
        key=request.headers.get("Idempotency-Key", ""), body=json_body(request)
    )
    return JsonResponse(body, status=status)


@require_http_methods(["GET"])
def erp_order_book(request):
    """The ERP's order list export, by the hub's order number, a page after `after`."""
    rows = erp_orders_page(after=request.GET.get("after", ""), limit=page_limit(request))
    return JsonResponse({"results": rows, "next": rows[-1]["hub_order_number"] if rows else None})


@require_http_methods(["GET"])
def storefront_order_book(request):
    """The storefront's own orders, by the hub's order number, a page after `after`."""
    rows = storefront_orders_page(after=request.GET.get("after", ""), limit=page_limit(request))
    return JsonResponse({"results": rows, "next": rows[-1]["number"] if rows else None})
