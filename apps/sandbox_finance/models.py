"""The simulated payment gateway and the ERP's finance ledger that its settlements post to."""

from django.db import models

from apps.core.models import HubModel


class TransactionKind(models.TextChoices):
    CAPTURE = "capture", "Money taken from the buyer's card"
    REFUND = "refund", "Money given back to the buyer"


class GatewayTransaction(HubModel):
    """A capture or refund that cleared the sandbox gateway."""

    reference = models.CharField(max_length=40, unique=True)
    kind = models.CharField(max_length=10, choices=TransactionKind.choices)
    order_number = models.CharField(max_length=40)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3, default="USD")

    class Meta:
        ordering = ["reference"]


class LedgerPosting(HubModel):
    """One finance posting in the sandbox ERP's ledger for a gateway transaction."""

    transaction_reference = models.CharField(max_length=40)
    kind = models.CharField(max_length=10, choices=TransactionKind.choices)
    order_number = models.CharField(max_length=40)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3, default="USD")
    # A delayed posting exists but the ledger shows it only from this moment on.
    visible_at = models.DateTimeField()

    class Meta:
        ordering = ["transaction_reference", "id"]
        indexes = [models.Index(fields=["transaction_reference", "id"])]


class PostingFaultAction(models.TextChoices):
    DROP = "drop", "The posting never reaches the ledger"
    DELAY = "delay", "The posting reaches the ledger only after delay_seconds"
    DOUBLE = "double", "The posting reaches the ledger twice"


class PostingFault(HubModel):
    """Failure injection for postings into the ledger: `count` postings, then normal service."""

    action = models.CharField(max_length=10, choices=PostingFaultAction.choices)
    kind = models.CharField(
        max_length=10, choices=TransactionKind.choices, blank=True, help_text="Blank: any kind."
    )
    count = models.PositiveIntegerField(null=True, blank=True, help_text="Blank: until cleared.")
    delay_seconds = models.PositiveIntegerField(default=3600)
