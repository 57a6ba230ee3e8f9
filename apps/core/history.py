from django.contrib.auth.models import AbstractBaseUser
from simple_history.manager import HistoricalQuerySet
from simple_history.models import HistoricalRecords

from apps.core.models import NeverDeleted, NeverDeletedQuerySet


def _person_or_none(request=None, **kwargs):
    # Partner API callers authenticate as systems, not people; history names people only.
    user = getattr(request, "user", None)
    return user if isinstance(user, AbstractBaseUser) and user.is_authenticated else None


class HistoryQuerySet(NeverDeletedQuerySet, HistoricalQuerySet):
    """`Model.history....delete()` is refused: history is the audit trail of every change."""


def history(**kwargs) -> HistoricalRecords:
    """Change history for a model, with the acting person (never a partner principal).

    History rows are never deleted. The extra base changes no schema (Django's migration
    autodetector does not compare bases), so every existing historical table keeps its
    migrations as they are.
    """
    return HistoricalRecords(
        get_user=_person_or_none,
        bases=[NeverDeleted],
        m2m_bases=[NeverDeleted],
        historical_queryset=HistoryQuerySet,
        **kwargs,
    )
