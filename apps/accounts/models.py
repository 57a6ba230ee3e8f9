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
    tax_id = models.CharField(max_length=40, blank=True, db_index=True)
    duns = models.CharField(max_length=13, blank=True, db_index=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, blank=True)
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

    def __str__(self) -> str:
        return f"{self.system} may see {self.account}"


class SiteKind(models.TextChoices):
    BILL_TO = "bill_to", "Bill-to: where invoices go"
    SHIP_TO = "ship_to", "Ship-to: where goods go"


class AccountSite(HubModel):
    """A bill-to or ship-to address of a company account."""

    code = models.CharField(max_length=40, unique=True)
    account = models.ForeignKey(CompanyAccount, on_delete=models.CASCADE, related_name="sites")
    kind = models.CharField(max_length=10, choices=SiteKind.choices)
    name = models.CharField(max_length=200)
    line1 = models.CharField(max_length=200)
    city = models.CharField(max_length=100)
    postal_code = models.CharField(max_length=20)
    country = models.CharField(max_length=2)
    history = history()

    def __str__(self) -> str:
        return f"{self.code} ({self.kind})"


class BuyerRole(models.TextChoices):
    REQUESTER = "requester", "Requester: builds carts, needs approval above their limit"
    APPROVER = "approver", "Approver: approves others' orders"
    ADMIN = "admin", "Buyer admin: manages the company's buyers"


class Buyer(HubModel):
    """A person who buys for a company account, with a role and a spending limit."""

    email = models.EmailField(unique=True)
    account = models.ForeignKey(CompanyAccount, on_delete=models.CASCADE, related_name="buyers")
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=20, choices=BuyerRole.choices, default=BuyerRole.REQUESTER)
    spending_limit = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    history = history()

    def __str__(self) -> str:
        return self.email


class HoldKind(models.TextChoices):
    NONE = "", "No hold"
    SOFT = "soft", "Soft: orders wait for finance"
    HARD = "hard", "Hard: orders are refused"


class CreditLimit(HubModel):
    """The credit an account has, and any hold finance put on it."""

    account = models.OneToOneField(CompanyAccount, on_delete=models.CASCADE)
    limit = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3, default="USD")
    hold = models.BooleanField(default=False)
    hold_kind = models.CharField(max_length=4, choices=HoldKind.choices, blank=True)
    history = history()

    def __str__(self) -> str:
        return f"{self.account.number} {self.limit} {self.currency}"


class TaxExemption(HubModel):
    """A tax-exemption certificate of an account, valid in one jurisdiction until it expires."""

    certificate = models.CharField(max_length=60, unique=True)
    account = models.ForeignKey(CompanyAccount, on_delete=models.CASCADE)
    jurisdiction = models.CharField(max_length=60)
    expires_on = models.DateField()
    history = history()

    def __str__(self) -> str:
        return self.certificate


class CatalogEntitlement(HubModel):
    """Whether an account may see and buy a product."""

    account = models.ForeignKey(CompanyAccount, on_delete=models.CASCADE)
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE)
    allowed = models.BooleanField(default=True)
    history = history()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "product"], name="one_entitlement_row")
        ]

    def __str__(self) -> str:
        return f"{self.account.number} {self.product.sku}: {self.allowed}"


class ApprovalRule(HubModel):
    """An approval tier: orders of an account within an amount band need this role's approval."""

    code = models.CharField(max_length=40, unique=True)
    account = models.ForeignKey(CompanyAccount, on_delete=models.CASCADE)
    min_amount = models.DecimalField(max_digits=14, decimal_places=2)
    max_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    approver_role = models.CharField(max_length=20, choices=BuyerRole.choices)
    history = history()

    def __str__(self) -> str:
        return self.code
