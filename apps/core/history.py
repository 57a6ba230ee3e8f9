from django.contrib.auth.models import AbstractBaseUser
from simple_history.models import HistoricalRecords


def _person_or_none(request=None, **kwargs):
    # Partner API callers authenticate as systems, not people; history names people only.
    user = getattr(request, "user", None)
    return user if isinstance(user, AbstractBaseUser) and user.is_authenticated else None


def history(**kwargs) -> HistoricalRecords:
    """Change history for a model, with the acting person (never a partner principal)."""
    return HistoricalRecords(get_user=_person_or_none, **kwargs)
