from django.db import models


class ReasonCode(models.TextChoices):
    """Why the pipeline held a record; the decisions a person may take depend on it."""

    PRICE_MISMATCH = "price_mismatch", "An order line's price differs from the authorised price"
    NO_AUTHORISED_PRICE = "no_authorised_price", "No price is authorised for an order line"
    OWNERSHIP_REFUSED = "ownership_refused", "A system wrote fields the matrix gives another"
    POSSIBLE_DUPLICATE = "possible_duplicate", "A new company looks like one the hub has"
    DELIVERY_FAILED = "delivery_failed", "A target would not take a delivery (dead letter)"
    RECONCILIATION_MISMATCH = "reconciliation_mismatch", "Two systems disagree about a record"


class Role(models.TextChoices):
    """Who may take a decision; the label heads that person's part of the review screen."""

    # The assigned business owner, or a superuser (an integration admin) standing in.
    OWNER = "owner", "The owner's decision"
    # Holds quarantine.approve_replay and did not make the item's correction.
    APPROVER = "approver", "The second person's decision"
    ADMIN = "admin", "The integration admin's decision"
