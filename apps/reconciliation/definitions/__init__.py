"""The shipped reconciliations; each module registers itself on import."""

from apps.reconciliation.definitions import inventory, orders, prices, settlement  # noqa: F401
