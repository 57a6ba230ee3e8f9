"""The one way a partner's payload enters a flow over the API: stored first, then handled."""

from drf_spectacular.utils import OpenApiParameter
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.exchange.config_cache import config_scope
from apps.exchange.services import intake_receive

IDEMPOTENCY_KEY_HEADER = OpenApiParameter(
    "Idempotency-Key", str, OpenApiParameter.HEADER, required=True
)


class FlowIntakeView(APIView):
    """Base for endpoints that hand the request body to `flow_code`'s intake as received."""

    flow_code: str

    def intake(self, request, **params) -> Response:
        # The configuration version came with the credential: the flow and the matrix this
        # process keeps in memory serve the request if still current.
        with config_scope(request.user.config_version):
            answer = intake_receive(
                flow_code=self.flow_code,
                partner=request.user.system,
                idempotency_key=request.headers.get("Idempotency-Key", "").strip(),
                raw=request.body,
                content_type=request.content_type or "",
                **params,
            )
        return Response(answer.body, status=answer.status)
