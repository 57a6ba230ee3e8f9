from django.db import models

from apps.core.history import history
from apps.core.models import HubModel


class AccountStatus(models.TextChoices):
    ACTIVE = "active", "Active: may order"
    SUSPENDED = "suspended", "Suspended: orders are refused"


class CreditStatus(models.TextChoices):
    OK = "ok", "Within limit"
    HOLD = "hold", "On credit hold (set by finance)"


class CompanyAccount(HubModel):
    """A buying company, known by the account number the ERP gave it."""

    number = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    status = models.CharField(
        max_length=20, choices=AccountStatus.choices, default=AccountStatus.ACTIVE
    )
    credit_status = models.CharField(
        max_length=20, choices=CreditStatus.choices, default=CreditStatus.OK
    )
    history = history()

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class AccountEntitlement(HubModel):
    """A partner system may see and order for this account."""

    system = models.ForeignKey("systems.System", on_delete=models.CASCADE)
    account = models.ForeignKey(CompanyAccount, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["system", "account"], name="one_entitlement")
        ]
