"""HTTP faces of the sandbox gateway and ledger, paginated like the real systems' exports."""

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from apps.core.errors import HubError
from apps.sandbox.http import json_body, page_limit
from apps.sandbox_finance.models import LedgerPosting, TransactionKind
from apps.sandbox_finance.services import (
    gateway_transaction_clear,
    gateway_transactions_page,
    ledger_delayed_release,
    ledger_postings_page,
    posting_fault_set,
    posting_faults_clear,
)


def _clear(kind: str):
    @csrf_exempt
    @require_http_methods(["POST"])
    def view(request):
        try:
            tx = gateway_transaction_clear(kind=kind, spec=json_body(request))
        except HubError as exc:
            return JsonResponse({"error": exc.message}, status=400)
        return JsonResponse({"reference": tx.reference, "status": "cleared"}, status=201)

    return view


gateway_capture = _clear(TransactionKind.CAPTURE)
gateway_refund = _clear(TransactionKind.REFUND)


@require_http_methods(["GET"])
def gateway_transactions(request):
    rows = gateway_transactions_page(after=request.GET.get("after", ""), limit=page_limit(request))
    return JsonResponse({"results": rows, "next": rows[-1]["reference"] if rows else None})


@require_http_methods(["GET"])
def ledger_postings(request):
    rows = ledger_postings_page(after=request.GET.get("after", ""), limit=page_limit(request))
    return JsonResponse({"results": rows, "next": rows[-1]["cursor"] if rows else None})


@require_http_methods(["GET"])
def ledger_received(request):
    """Every posting the ledger holds, the delayed ones too, with when each becomes visible."""
    rows = LedgerPosting.objects.order_by("id")
    return JsonResponse(
        {
            "received": [
                {
                    "transaction": p.transaction_reference,
                    "kind": p.kind,
                    "amount": str(p.amount),
                    "visible_at": p.visible_at.isoformat(),
                }
                for p in rows
            ]
        }
    )


@csrf_exempt
@require_http_methods(["POST", "DELETE"])
def ledger_faults(request):
    if request.method == "DELETE":
        posting_faults_clear()
        return JsonResponse({"faults": None})
    try:
        fault = posting_fault_set(spec=json_body(request))
    except HubError as exc:
        return JsonResponse({"error": exc.message}, status=400)
    return JsonResponse(
        {"fault": {"action": fault.action, "kind": fault.kind, "count": fault.count}}
    )


@csrf_exempt
@require_http_methods(["POST"])
def ledger_release(request):
    return JsonResponse({"released": ledger_delayed_release()})
