"""The hub's settings plus a bench-only URL for the plain view; never used by the product."""

from integration_hub.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
