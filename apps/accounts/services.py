"""Writes to company accounts and what hangs off them, one at a time or a page at a time."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser

from apps.accounts.models import (
    AccountSite,
    ApprovalRule,
    Buyer,
    CatalogEntitlement,
    CompanyAccount,
    CreditLimit,
    TaxExemption,
)
from apps.core.upsert import BulkResult, upsert_bulk, upsert_one

ACCOUNT_KEY = ("number",)
SITE_KEY = ("code",)
BUYER_KEY = ("email",)
CREDIT_LIMIT_KEY = ("account",)
TAX_EXEMPTION_KEY = ("certificate",)
CATALOG_ENTITLEMENT_KEY = ("account", "product")
APPROVAL_RULE_KEY = ("code",)


def company_account_upsert(
    *, key: dict, values: dict, actor: AbstractBaseUser | None = None, reason: str = ""
) -> CompanyAccount:
    """Create or change the company account with this number."""
    return upsert_one(
        CompanyAccount, key_fields=ACCOUNT_KEY, key=key, values=values, actor=actor, reason=reason
    )


def company_accounts_upsert_bulk(
    *, rows: list[dict], actor: AbstractBaseUser | None = None, reason: str = ""
) -> BulkResult:
    """Create or change many company accounts by number in a fixed number of queries."""
    return upsert_bulk(
        CompanyAccount, key_fields=ACCOUNT_KEY, rows=rows, actor=actor, reason=reason
    )


def account_site_upsert(
    *, key: dict, values: dict, actor: AbstractBaseUser | None = None, reason: str = ""
) -> AccountSite:
    """Create or change one bill-to or ship-to site by its code."""
    return upsert_one(
        AccountSite, key_fields=SITE_KEY, key=key, values=values, actor=actor, reason=reason
    )


def account_sites_upsert_bulk(
    *, rows: list[dict], actor: AbstractBaseUser | None = None, reason: str = ""
) -> BulkResult:
    """Create or change many account sites by code in a fixed number of queries."""
    return upsert_bulk(AccountSite, key_fields=SITE_KEY, rows=rows, actor=actor, reason=reason)


def buyer_upsert(
    *, key: dict, values: dict, actor: AbstractBaseUser | None = None, reason: str = ""
) -> Buyer:
    """Create or change the buyer with this email."""
    return upsert_one(
        Buyer, key_fields=BUYER_KEY, key=key, values=values, actor=actor, reason=reason
    )


def buyers_upsert_bulk(
    *, rows: list[dict], actor: AbstractBaseUser | None = None, reason: str = ""
) -> BulkResult:
    """Create or change many buyers by email in a fixed number of queries."""
    return upsert_bulk(Buyer, key_fields=BUYER_KEY, rows=rows, actor=actor, reason=reason)


def credit_limit_upsert(
    *, key: dict, values: dict, actor: AbstractBaseUser | None = None, reason: str = ""
) -> CreditLimit:
    """Create or change an account's credit limit and hold."""
    return upsert_one(
        CreditLimit, key_fields=CREDIT_LIMIT_KEY, key=key, values=values, actor=actor, reason=reason
    )


def credit_limits_upsert_bulk(
    *, rows: list[dict], actor: AbstractBaseUser | None = None, reason: str = ""
) -> BulkResult:
    """Create or change many credit limits by account in a fixed number of queries."""
    return upsert_bulk(
        CreditLimit, key_fields=CREDIT_LIMIT_KEY, rows=rows, actor=actor, reason=reason
    )


def tax_exemption_upsert(
    *, key: dict, values: dict, actor: AbstractBaseUser | None = None, reason: str = ""
) -> TaxExemption:
    """Create or change one tax-exemption certificate."""
    return upsert_one(
        TaxExemption,
        key_fields=TAX_EXEMPTION_KEY,
        key=key,
        values=values,
        actor=actor,
        reason=reason,
    )


def tax_exemptions_upsert_bulk(
    *, rows: list[dict], actor: AbstractBaseUser | None = None, reason: str = ""
) -> BulkResult:
    """Create or change many tax exemptions by certificate in a fixed number of queries."""
    return upsert_bulk(
        TaxExemption, key_fields=TAX_EXEMPTION_KEY, rows=rows, actor=actor, reason=reason
    )


def catalog_entitlement_upsert(
    *, key: dict, values: dict, actor: AbstractBaseUser | None = None, reason: str = ""
) -> CatalogEntitlement:
    """Create or change whether an account may buy a product."""
    return upsert_one(
        CatalogEntitlement,
        key_fields=CATALOG_ENTITLEMENT_KEY,
        key=key,
        values=values,
        actor=actor,
        reason=reason,
    )


def catalog_entitlements_upsert_bulk(
    *, rows: list[dict], actor: AbstractBaseUser | None = None, reason: str = ""
) -> BulkResult:
    """Create or change many catalog entitlements in a fixed number of queries."""
    return upsert_bulk(
        CatalogEntitlement,
        key_fields=CATALOG_ENTITLEMENT_KEY,
        rows=rows,
        actor=actor,
        reason=reason,
    )


def approval_rule_upsert(
    *, key: dict, values: dict, actor: AbstractBaseUser | None = None, reason: str = ""
) -> ApprovalRule:
    """Create or change one approval tier by its code."""
    return upsert_one(
        ApprovalRule,
        key_fields=APPROVAL_RULE_KEY,
        key=key,
        values=values,
        actor=actor,
        reason=reason,
    )


def approval_rules_upsert_bulk(
    *, rows: list[dict], actor: AbstractBaseUser | None = None, reason: str = ""
) -> BulkResult:
    """Create or change many approval rules by code in a fixed number of queries."""
    return upsert_bulk(
        ApprovalRule, key_fields=APPROVAL_RULE_KEY, rows=rows, actor=actor, reason=reason
    )
