"""Per-partner request limits on the partner API, counted in Django's shared cache.

Each partner system gets its own budget of requests per clock minute
(`System.api_rate_per_minute`). The count lives in CACHES["default"], Redis in production, so
every web process shares it, and each request is one atomic increment: concurrent processes
never lose a count. Fixed minutes, like most public APIs' limits: easy to explain to a partner
("the count starts again at the top of the minute"), at the price of allowing up to twice the
limit across a minute's boundary.
"""

import logging
import math
import time

from django.core.cache import cache
from redis.exceptions import RedisError
from rest_framework.throttling import BaseThrottle

logger = logging.getLogger("apps.api")

WINDOW_SECONDS = 60


class PartnerRateThrottle(BaseThrottle):
    """Refuses a partner's requests past its per-minute limit until the minute is over."""

    def allow_request(self, request, view) -> bool:
        system = getattr(request.user, "system", None)
        if system is None:
            # The schema and docs have no partner to count against; everything else does.
            return True
        now = time.time()
        minute = int(now // WINDOW_SECONDS)
        self.retry_after = math.ceil((minute + 1) * WINDOW_SECONDS - now)
        try:
            count = _count(f"hub:api-rate:{system.pk}:{minute}")
        except RedisError:
            # Fail open: a cache outage must not stop order capture. Every request is still
            # authenticated and recorded; the outage shows in the log.
            logger.warning("API throttle skipped: the cache is unreachable", exc_info=True)
            return True
        return count <= system.api_rate_per_minute()

    def wait(self) -> int:
        return self.retry_after


def _count(key: str) -> int:
    # The key outlives its minute, so it cannot expire between `add` and `incr`; an expiry
    # there would let Redis's INCR recreate it without one.
    cache.add(key, 0, timeout=2 * WINDOW_SECONDS)
    return cache.incr(key)
