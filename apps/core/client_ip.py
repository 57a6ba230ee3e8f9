"""The address a request came from, trusting exactly as many proxies as the hub is told."""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The caller's address: the TCP peer, or the entry the outermost trusted proxy appended.

    Each proxy appends the address it received the request from to X-Forwarded-For, so with
    N trusted proxies the caller is the N-th entry from the right. Anything further left was
    written by the caller and proves nothing. A shorter header means the request skipped a
    proxy; then only the peer address is known for sure.
    """
    peer = request.META.get("REMOTE_ADDR")
    trusted = settings.HUB_TRUSTED_PROXY_COUNT
    if not trusted:
        return peer
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    return hops[-trusted] if len(hops) >= trusted else peer
