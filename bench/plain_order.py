"""The yardstick for the order API: what a plain Django view does with the same order.

It parses the same JSON and writes the order, its lines and an outbox row in one transaction,
with nothing else (no authentication, idempotency, envelope, trace, ownership or history).
"""

import json
import uuid

from django.db import transaction
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from apps.accounts.models import CompanyAccount
from apps.catalog.models import Product
from apps.exchange.models import Delivery
from apps.flows.models import Flow
from apps.orders.models import Order, OrderLine


@csrf_exempt
@require_POST
def plain_order(request):
    document = json.loads(request.body)
    with transaction.atomic():
        account = CompanyAccount.objects.get(number=document["account"])
        skus = {line["sku"] for line in document["lines"]}
        products = Product.objects.in_bulk(skus, field_name="sku")
        flow = Flow.objects.select_related("target_system").get(code="order-capture")
        order = Order.objects.create(
            number=f"PLAIN-{uuid.uuid4().hex[:20]}",
            account=account,
            source_system=flow.target_system,
            po_number=document.get("po_number", ""),
            currency=document["currency"],
            ship_to=document.get("ship_to") or {},
        )
        lines = OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                line_number=number,
                product=products[line["sku"]],
                quantity=line["quantity"],
                uom=line["uom"],
                unit_price=line["unit_price"],
            )
            for number, line in enumerate(document["lines"], start=1)
        )
        Delivery.objects.create(
            flow=flow,
            target_system=flow.target_system,
            subject_type="order",
            subject_key=order.number,
            path="orders/",
            payload=document,
            idempotency_key=f"plain-{uuid.uuid4().hex}",
            next_attempt_at=timezone.now(),
        )
    answer = {
        "number": order.number,
        "status": order.status,
        "lines": [{"line_number": line.line_number, "sku": line.product.sku} for line in lines],
    }
    return JsonResponse(answer, status=201)
