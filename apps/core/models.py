from django.db import models

from apps.core.errors import DeletionRefused


class HubModel(models.Model):
    """Base for every hub table: creation and update times."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class NeverDeletedQuerySet(models.QuerySet):
    """Refuses a bulk delete like a single one: admin actions and shells delete through here."""

    def delete(self):
        raise DeletionRefused(self.model.deletion_refusal())


class NeverDeleted(models.Model):
    """Base for rows nobody deletes, superusers included: the audit trail stands on them.

    Guards `Model.delete()` and `QuerySet.delete()`, related managers included. Django's
    deletion collector removes cascaded rows in SQL and would bypass both, so a relation
    into such a model must be PROTECT or come from another never-deleted model;
    tests/core/test_audit_trail.py walks every relation to keep it so.
    """

    # `{plural}` is the model's verbose_name_plural, capitalised.
    deletion_refused = "{plural} are part of the audit trail and are never deleted."

    # Not used in migrations, so swapping it in changes no schema and needs no migration.
    objects = NeverDeletedQuerySet.as_manager()

    class Meta:
        abstract = True

    @classmethod
    def deletion_refusal(cls) -> str:
        plural = str(cls._meta.verbose_name_plural)
        return cls.deletion_refused.format(plural=plural[:1].upper() + plural[1:])

    def delete(self, using=None, keep_parents=False):
        raise DeletionRefused(self.deletion_refusal())
