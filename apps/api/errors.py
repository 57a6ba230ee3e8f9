"""One error body for the whole API: {"error": {"code", "message", "fields"}}.

Every exception ends here, including the ones nobody planned for: a partner gets the same
JSON body with status 500 (never an HTML page), and the traceback goes to the log.
"""

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, JsonResponse
from django.views import defaults
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

from apps.core.errors import HubError
from apps.core.json_input import text_storable

logger = logging.getLogger("apps.api")


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    # Messages quote what was sent; a NUL or unpaired surrogate must not break the answer.
    error = {"code": code, "message": message, "fields": fields or {}}
    return {"error": text_storable(error)}


def api_exception_handler(exc, context):
    if isinstance(exc, HubError):
        return _hub_error(exc, context)
    if isinstance(exc, RequestDataTooBig):
        limit = settings.HUB_MAX_REQUEST_BYTES
        return Response(
            error_body("payload_too_large", f"Bodies are limited to {limit} bytes."), status=413
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = exception_handler(exc, context)
    if response is None:
        _log_failure(exc, context)
        return Response(
            error_body("internal_error", "The hub failed on this request; the error is logged."),
            status=500,
        )
    if isinstance(exc, exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"body": exc.detail}
        response.data = error_body("validation_failed", "The request is not valid.", fields)
    else:
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        response.data = error_body(str(code), str(getattr(exc, "detail", exc)))
    return response


def _hub_error(exc: HubError, context) -> Response:
    if exc.status >= 500:
        _log_failure(exc, context)
    response = Response(error_body(exc.code, exc.message, exc.fields), status=exc.status)
    if exc.retry_after is not None:
        response["Retry-After"] = str(exc.retry_after)
    return response


def _log_failure(exc: Exception, context) -> None:
    request = context.get("request")
    logger.error(
        "API request failed: %s %s",
        getattr(request, "method", "?"),
        getattr(request, "path", "?"),
        exc_info=(type(exc), exc, exc.__traceback__),
    )


def not_found_page(request, exception=None):
    """Project 404: the API's error body under /api/, Django's page elsewhere."""
    if request.path.startswith("/api/"):
        body = error_body("not_found", "No such API resource.")
        return JsonResponse(body, status=404)
    return defaults.page_not_found(request, exception)


def server_error_page(request):
    """Project 500 for failures outside DRF views: still the API's error body under /api/."""
    if request.path.startswith("/api/"):
        body = error_body("internal_error", "The hub failed on this request; the error is logged.")
        return JsonResponse(body, status=500)
    return defaults.server_error(request)
