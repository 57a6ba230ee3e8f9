from django.db import models


class HubModel(models.Model):
    """Base for every hub table: creation and update times."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
