from django.conf import settings
from django.db import models

from apps.core.history import history
from apps.core.models import HubModel


class BusinessOwner(HubModel):
    """A person with decision authority over some master data (pricing, credit, order desk)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    name = models.CharField(max_length=120)
    email = models.EmailField()
    area = models.CharField(max_length=60, help_text="e.g. pricing, credit, order desk")
    escalation_contact = models.EmailField(blank=True)
    history = history()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.area})"


class Enforcement(models.TextChoices):
    IGNORE = "ignore", "Ignore: the owner's value stands; the write is noted on the trace"
    QUARANTINE = "quarantine", "Quarantine: the record waits for the business owner"


# Named so that services can write one history record per matrix change, M2M snapshot
# included, instead of one per save() and one per M2M signal (see ownership services).
matrix_history = history(m2m_fields=["may_create", "may_update", "consumers"])


class FieldOwnership(HubModel):
    """One row of the ownership matrix: who creates, updates and decides one entity field."""

    entity = models.CharField(max_length=60)
    field = models.CharField(max_length=60)
    owner_system = models.ForeignKey(
        "systems.System", on_delete=models.PROTECT, related_name="owned_fields"
    )
    may_create = models.ManyToManyField("systems.System", blank=True, related_name="+")
    may_update = models.ManyToManyField("systems.System", blank=True, related_name="+")
    consumers = models.ManyToManyField("systems.System", blank=True, related_name="+")
    enforcement = models.CharField(
        max_length=20, choices=Enforcement.choices, default=Enforcement.QUARANTINE
    )
    business_owner = models.ForeignKey(BusinessOwner, on_delete=models.PROTECT)
    escalation_contact = models.EmailField(
        blank=True, help_text="Blank: the business owner's escalation contact."
    )
    history = matrix_history

    class Meta:
        ordering = ["entity", "field"]
        constraints = [
            models.UniqueConstraint(fields=["entity", "field"], name="one_owner_per_field")
        ]

    def __str__(self) -> str:
        return f"{self.entity}.{self.field} → {self.owner_system}"

    @property
    def escalates_to(self) -> str:
        return self.escalation_contact or self.business_owner.escalation_contact

    def may_write(self, system, *, creating: bool) -> bool:
        """Whether `system` may set this field on a new (creating) or existing record."""
        if system.pk == self.owner_system_id:
            return True
        writers = self.may_create if creating else self.may_update
        return writers.filter(pk=system.pk).exists()
