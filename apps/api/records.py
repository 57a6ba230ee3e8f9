from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.exchange.services import intake_receive


class RecordWrite(APIView):
    """Write one canonical record; each field is held to the ownership matrix."""

    @extend_schema(
        request={
            "application/json": {
                "type": "object",
                "required": ["key", "fields"],
                "properties": {
                    "key": {"type": "object"},
                    "fields": {"type": "object"},
                    "external_id": {"type": "string"},
                },
            }
        },
        parameters=[
            OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=True)
        ],
        responses={200: dict, 201: dict, 202: dict},
    )
    def post(self, request, entity: str):
        answer = intake_receive(
            flow_code="record-sync",
            partner=request.user.system,
            entity=entity,
            idempotency_key=request.headers.get("Idempotency-Key", "").strip(),
            raw=request.body,
            content_type=request.content_type or "",
        )
        return Response(answer.body, status=answer.status)
