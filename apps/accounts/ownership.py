"""Company accounts and what hangs off them, as the matrix governs them (see AccountsConfig)."""

from apps.accounts import services
from apps.accounts.selectors import account_duplicate_of, account_for
from apps.catalog.ownership import PRODUCT
from apps.ownership.registry import EntitySpec

# How other entities refer to a company account: by the number the ERP gave it.
ACCOUNT = ("accounts.CompanyAccount", "number")

ENTITIES = [
    EntitySpec(
        "company_account",
        "accounts.CompanyAccount",
        services.ACCOUNT_KEY,
        ("name", "status", "tax_id", "duns", "postal_code", "country"),
        account_path="",
        write=services.company_account_upsert,
        duplicate_of=lambda values: account_duplicate_of(
            **{name: values.get(name) or "" for name in ("tax_id", "duns", "name", "postal_code")}
        ),
    ),
    EntitySpec(
        "account_hierarchy",
        "accounts.CompanyAccount",
        services.ACCOUNT_KEY,
        ("parent",),
        refs={"parent": ACCOUNT},
        account_path="",
        write=services.company_account_upsert,
    ),
    EntitySpec(
        "account_site",
        "accounts.AccountSite",
        services.SITE_KEY,
        ("account", "kind", "name", "line1", "city", "postal_code", "country"),
        refs={"account": ACCOUNT},
        account_path="account",
        write=services.account_site_upsert,
    ),
    EntitySpec(
        "buyer",
        "accounts.Buyer",
        services.BUYER_KEY,
        ("account", "name"),
        refs={"account": ACCOUNT},
        account_path="account",
        write=services.buyer_upsert,
    ),
    EntitySpec(
        "buyer_role",
        "accounts.Buyer",
        services.BUYER_KEY,
        ("role", "spending_limit"),
        account_path="account",
        write=services.buyer_upsert,
    ),
    EntitySpec(
        "credit_limit",
        "accounts.CreditLimit",
        services.CREDIT_LIMIT_KEY,
        ("limit", "currency", "hold", "hold_kind"),
        refs={"account": ACCOUNT},
        account_path="account",
        write=services.credit_limit_upsert,
    ),
    EntitySpec(
        "tax_exemption",
        "accounts.TaxExemption",
        services.TAX_EXEMPTION_KEY,
        ("account", "jurisdiction", "expires_on"),
        refs={"account": ACCOUNT},
        account_path="account",
        write=services.tax_exemption_upsert,
    ),
    EntitySpec(
        "catalog_entitlement",
        "accounts.CatalogEntitlement",
        services.CATALOG_ENTITLEMENT_KEY,
        ("allowed",),
        refs={"account": ACCOUNT, "product": PRODUCT},
        account_path="account",
        write=services.catalog_entitlement_upsert,
    ),
    EntitySpec(
        "approval_rule",
        "accounts.ApprovalRule",
        services.APPROVAL_RULE_KEY,
        ("account", "min_amount", "max_amount", "approver_role"),
        refs={"account": ACCOUNT},
        account_path="account",
        write=services.approval_rule_upsert,
    ),
]

RESOLVERS = {
    # A system's own account number, through its cross-references.
    ACCOUNT[0]: lambda system, key: account_for(system=system, number=key),
}
