"""Per-system delivery rate limits, counted in one store that every worker on every machine sees.

The `limits` library keeps a moving window per system: in Redis each take is one Lua script,
so two workers can never both take the last slot. With memory:// (the demo) each process
counts on its own.
"""

from __future__ import annotations

import time
from functools import cache

import limits
from django.conf import settings
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from apps.systems.models import System

# A hung Redis must not hang a delivery worker: answer within a few seconds, or fail.
REDIS_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 2}
# A free slot is announced this early at the soonest, so "try again at" is always in the future.
MIN_WAIT_SECONDS = 0.01


class DeliveryRateLimiter:
    """Takes delivery slots for systems from one shared store (Redis, or memory in the demo)."""

    def __init__(self, storage_url: str):
        redis = storage_url.startswith(("redis://", "rediss://"))
        # wrap_exceptions: an unreachable store raises limits' StorageError, one type to catch.
        storage = storage_from_string(
            storage_url, wrap_exceptions=True, **(REDIS_OPTIONS if redis else {})
        )
        self._limiter = MovingWindowRateLimiter(storage)

    def take(self, *, system: System) -> float:
        """Take one slot: 0.0 when taken, else the seconds until one frees (nothing is taken).

        Raises StorageError when the store cannot be reached.
        """
        if not system.delivery_rate_limit:
            return 0.0
        rate = limits.parse(system.delivery_rate_limit)
        if self._limiter.hit(rate, "delivery", system.code):
            return 0.0
        # The window's oldest entry leaves it at reset_time; `limits` counts in wall-clock time.
        reset_at, _remaining = self._limiter.get_window_stats(rate, "delivery", system.code)
        return max(reset_at - time.time(), MIN_WAIT_SECONDS)


def delivery_rate_limiter() -> DeliveryRateLimiter:
    """The limiter on the configured store (HUB_RATE_LIMIT_STORAGE_URL), one per process."""
    return _limiter_on(settings.HUB_RATE_LIMIT_STORAGE_URL)


@cache
def _limiter_on(storage_url: str) -> DeliveryRateLimiter:
    # One connection pool per process and URL; keyed by URL so a changed setting takes effect.
    return DeliveryRateLimiter(storage_url)
