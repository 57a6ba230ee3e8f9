from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "apps.exchange"

    def ready(self) -> None:
        # Register the tasks in every process (web too), so stages can enqueue by name, and
        # every flow handler, so stages can find a flow's handler by its code.
        from apps.exchange import tasks  # noqa: F401
        from apps.exchange.handlers import handlers_discover

        handlers_discover()
        _config_watched()


def _config_watched() -> None:
    # What web processes keep in memory (apps/exchange/config_cache.py). Database triggers
    # give the configuration a new version on any change to these; the signals make this
    # process forget what it kept the moment it changes one itself.
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from apps.catalog.models import SkuRule
    from apps.exchange.config_cache import config_changed
    from apps.flows.models import Flow
    from apps.ownership.models import BusinessOwner, FieldOwnership
    from apps.systems.models import System

    for model in (Flow, System, SkuRule, BusinessOwner, FieldOwnership):
        post_save.connect(config_changed, sender=model, dispatch_uid=f"config-{model.__name__}")
        post_delete.connect(config_changed, sender=model, dispatch_uid=f"config-{model.__name__}")
    for name in ("may_create", "may_update", "consumers"):
        through = getattr(FieldOwnership, name).through
        m2m_changed.connect(config_changed, sender=through, dispatch_uid=f"config-matrix-{name}")
