"""Long-lived objects kept out of the garbage collector's full passes, in web processes.

A web process holds some 200,000 objects that live as long as it does: modules, classes, URL
patterns, compiled SQL and the caches its first requests fill (Django imports views and
builds much of this lazily, on the first requests rather than at start). CPython's full
collection walks every one of them each time it runs: measured at 15 to 170 ms on an order
API worker, a pause that each request queued behind it waits out, and the largest single
lump in the order API's p99. `gc.freeze()` moves them to a permanent generation the
collector no longer walks.

It runs once per process, after its first `HUB_GC_FREEZE_AFTER_REQUESTS` requests (0 turns
it off), preceded by a full collection so no garbage of those requests is frozen with them.
Objects created later are collected as before.
"""

from __future__ import annotations

import gc
import itertools
import logging

from django.conf import settings

logger = logging.getLogger(__name__)

_served = itertools.count(1)  # next() is atomic in CPython: gthread workers share the count


def freeze_after_warm_up(**_signal) -> None:
    """request_finished receiver: freeze once this process has served its warm-up requests."""
    after = settings.HUB_GC_FREEZE_AFTER_REQUESTS
    if after > 0 and next(_served) == after:
        frozen = long_lived_freeze()
        logger.info("Froze %s long-lived objects after %s requests.", frozen, after)


def long_lived_freeze() -> int:
    """Collect garbage, then freeze what survives; how many objects are frozen now."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
