"""One error body for the whole API: {"error": {"code", "message", "fields"}}."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

from apps.core.errors import HubError


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def api_exception_handler(exc, context):
    if isinstance(exc, HubError):
        return Response(error_body(exc.code, exc.message, exc.fields), status=exc.status)
    if isinstance(exc, RequestDataTooBig):
        limit = settings.HUB_MAX_REQUEST_BYTES
        return Response(
            error_body("payload_too_large", f"Bodies are limited to {limit} bytes."), status=413
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"body": exc.detail}
        response.data = error_body("validation_failed", "The request is not valid.", fields)
    else:
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        response.data = error_body(str(code), str(getattr(exc, "detail", exc)))
    return response
