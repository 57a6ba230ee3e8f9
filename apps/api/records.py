from drf_spectacular.utils import extend_schema

from apps.api.intake import IDEMPOTENCY_KEY_HEADER, FlowIntakeView


class RecordWrite(FlowIntakeView):
    """Write one canonical record; each field is held to the ownership matrix."""

    flow_code = "record-sync"
    required_scopes = {"POST": "records:write"}

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
        parameters=[IDEMPOTENCY_KEY_HEADER],
        responses={200: dict, 201: dict, 202: dict},
    )
    def post(self, request, entity: str):
        return self.intake(request, entity=entity)
