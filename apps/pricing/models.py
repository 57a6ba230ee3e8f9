from django.db import models

from apps.core.history import history
from apps.core.models import HubModel


class ContractStatus(models.TextChoices):
    DRAFT = "draft", "Negotiated, not yet in force"
    ACTIVE = "active", "In force"
    EXPIRED = "expired", "Past its end date"


class Contract(HubModel):
    """A negotiated agreement with an account, as the ERP holds it."""

    number = models.CharField(max_length=40, unique=True)
    account = models.ForeignKey("accounts.CompanyAccount", on_delete=models.CASCADE)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=ContractStatus.choices, default=ContractStatus.ACTIVE
    )
    history = history()

    def __str__(self) -> str:
        return self.number


class PriceList(HubModel):
    """A negotiated price list; account-specific when `account` is set."""

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    currency = models.CharField(max_length=3, default="USD")
    account = models.ForeignKey(
        "accounts.CompanyAccount", null=True, blank=True, on_delete=models.CASCADE
    )
    history = history()

    def __str__(self) -> str:
        return self.code


class ContractPrice(HubModel):
    """The price an account may buy a product at, as authorised by its owning system."""

    account = models.ForeignKey("accounts.CompanyAccount", on_delete=models.CASCADE)
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE)
    unit_price = models.DecimalField(max_digits=14, decimal_places=4)
    currency = models.CharField(max_length=3, default="USD")
    uom = models.CharField(max_length=10, default="EA")
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    min_quantity = models.DecimalField(max_digits=14, decimal_places=4, default=1)
    contract_number = models.CharField(max_length=40, blank=True)
    authorised_by = models.ForeignKey("systems.System", on_delete=models.PROTECT)
    history = history()

    class Meta:
        ordering = ["account", "product", "-valid_from"]

    def __str__(self) -> str:
        return f"{self.account.number} {self.product.sku} {self.unit_price} {self.currency}"
