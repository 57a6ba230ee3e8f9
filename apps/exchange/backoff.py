import random
from datetime import timedelta


def backoff_delay(*, attempt: int, base_seconds: float, max_seconds: float) -> timedelta:
    """Exponential backoff with equal jitter: half fixed, half random, so retries spread out."""
    ceiling = min(max_seconds, base_seconds * (2 ** max(attempt - 1, 0)))
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))
