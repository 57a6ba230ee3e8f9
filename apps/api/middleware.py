"""Refuses API requests whose address no database can look up, before any view runs."""

from django.http import JsonResponse

from apps.api.errors import error_body

API_PREFIX = "/api/"


class ApiTextGuard:
    """A NUL character in the path or query is a 400 here, not a database error later."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(API_PREFIX) and _has_nul(request):
            return JsonResponse(
                error_body("invalid_text", "The address must not contain NUL characters."),
                status=400,
            )
        return self.get_response(request)


def _has_nul(request) -> bool:
    if "\x00" in request.path:
        return True
    return any("\x00" in key or "\x00" in value for key, value in request.GET.items())
