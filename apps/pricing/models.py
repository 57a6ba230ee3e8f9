from django.db import models

from apps.core.history import history
from apps.core.models import HubModel


class ContractPrice(HubModel):
    """The price an account may buy a product at, as authorised by its owning system."""

    account = models.ForeignKey("accounts.CompanyAccount", on_delete=models.CASCADE)
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE)
    unit_price = models.DecimalField(max_digits=14, decimal_places=4)
    currency = models.CharField(max_length=3, default="USD")
    uom = models.CharField(max_length=10, default="EA")
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    contract_number = models.CharField(max_length=40, blank=True)
    authorised_by = models.ForeignKey("systems.System", on_delete=models.PROTECT)
    history = history()

    class Meta:
        ordering = ["account", "product", "-valid_from"]

    def __str__(self) -> str:
        return f"{self.account.number} {self.product.sku} {self.unit_price} {self.currency}"
