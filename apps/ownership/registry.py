"""The canonical entities whose fields the ownership matrix governs.

Each entry names its model by label (ownership sits below the canonical apps and imports none
of them), the fields that identify a record, references to other entities by their natural
key, and the fields a system may write. Every field listed here must have exactly one matrix
row: `ownership_matrix_gaps()` says which do not.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class EntitySpec:
    name: str
    model: str
    key: tuple[str, ...]
    fields: tuple[str, ...]
    refs: dict[str, tuple[str, str]] = field(default_factory=dict)
    # Fields the hub sets to the writing system on create (who authorised this price).
    stamps: tuple[str, ...] = ()
    # Dotted path from a record to the company account it belongs to ("" for the account
    # itself, None when the entity belongs to no account): a partner sees and writes only
    # the records of accounts it is entitled to.
    account_path: str | None = None


ACCOUNT = ("accounts.CompanyAccount", "number")
PRODUCT = ("catalog.Product", "sku")
ORDER = ("orders.Order", "number")

ENTITIES: dict[str, EntitySpec] = {
    spec.name: spec
    for spec in [
        EntitySpec(
            "company_account",
            "accounts.CompanyAccount",
            ("number",),
            ("name", "status", "tax_id", "duns", "postal_code", "country"),
            account_path="",
        ),
        EntitySpec(
            "account_hierarchy",
            "accounts.CompanyAccount",
            ("number",),
            ("parent",),
            refs={"parent": ACCOUNT},
            account_path="",
        ),
        EntitySpec(
            "account_site",
            "accounts.AccountSite",
            ("code",),
            ("account", "kind", "name", "line1", "city", "postal_code", "country"),
            refs={"account": ACCOUNT},
            account_path="account",
        ),
        EntitySpec(
            "buyer",
            "accounts.Buyer",
            ("email",),
            ("account", "name"),
            refs={"account": ACCOUNT},
            account_path="account",
        ),
        EntitySpec(
            "buyer_role",
            "accounts.Buyer",
            ("email",),
            ("role", "spending_limit"),
            account_path="account",
        ),
        EntitySpec(
            "credit_limit",
            "accounts.CreditLimit",
            ("account",),
            ("limit", "currency", "hold", "hold_kind"),
            refs={"account": ACCOUNT},
            account_path="account",
        ),
        EntitySpec(
            "tax_exemption",
            "accounts.TaxExemption",
            ("certificate",),
            ("account", "jurisdiction", "expires_on"),
            refs={"account": ACCOUNT},
            account_path="account",
        ),
        EntitySpec(
            "catalog_entitlement",
            "accounts.CatalogEntitlement",
            ("account", "product"),
            ("allowed",),
            refs={"account": ACCOUNT, "product": PRODUCT},
            account_path="account",
        ),
        EntitySpec(
            "approval_rule",
            "accounts.ApprovalRule",
            ("code",),
            ("account", "min_amount", "max_amount", "approver_role"),
            refs={"account": ACCOUNT},
            account_path="account",
        ),
        EntitySpec(
            "contract",
            "pricing.Contract",
            ("number",),
            ("account", "starts_on", "ends_on", "status"),
            refs={"account": ACCOUNT},
            account_path="account",
        ),
        EntitySpec(
            "price_list",
            "pricing.PriceList",
            ("code",),
            ("name", "currency", "account"),
            refs={"account": ACCOUNT},
            account_path="account",
        ),
        EntitySpec(
            "contract_price",
            "pricing.ContractPrice",
            ("account", "product", "valid_from"),
            ("unit_price", "currency", "uom", "valid_to", "min_quantity", "contract_number"),
            refs={"account": ACCOUNT, "product": PRODUCT},
            stamps=("authorised_by",),
            account_path="account",
        ),
        EntitySpec(
            "product",
            "catalog.Product",
            ("sku",),
            ("name", "description", "uom", "status", "attributes"),
        ),
        EntitySpec(
            "inventory",
            "catalog.InventoryLevel",
            ("product", "location"),
            ("on_hand", "available", "backorder_date"),
            refs={"product": PRODUCT},
        ),
        EntitySpec(
            "cart",
            "orders.Cart",
            ("number",),
            ("account", "buyer_email", "lines", "status"),
            refs={"account": ACCOUNT},
            account_path="account",
        ),
        EntitySpec(
            "quote",
            "orders.Quote",
            ("number",),
            ("account", "lines", "total", "currency", "valid_until", "status"),
            refs={"account": ACCOUNT},
            account_path="account",
        ),
        EntitySpec(
            "order", "orders.Order", ("number",), ("po_number", "status"), account_path="account"
        ),
        EntitySpec(
            "order_line",
            "orders.OrderLine",
            ("order", "line_number"),
            ("quantity", "unit_price"),
            refs={"order": ORDER},
            account_path="order.account",
        ),
        EntitySpec(
            "blanket_order",
            "orders.BlanketOrder",
            ("number",),
            ("account", "product", "total_quantity", "unit_price", "valid_to"),
            refs={"account": ACCOUNT, "product": PRODUCT},
            account_path="account",
        ),
        EntitySpec(
            "order_release",
            "orders.OrderRelease",
            ("number",),
            ("blanket", "quantity", "requested_date", "status"),
            refs={"blanket": ("orders.BlanketOrder", "number")},
            account_path="blanket.account",
        ),
        EntitySpec(
            "payment",
            "orders.Payment",
            ("reference",),
            ("order", "amount", "currency", "status", "method"),
            refs={"order": ORDER},
            account_path="order.account",
        ),
        EntitySpec(
            "shipment",
            "fulfillment.Shipment",
            ("number",),
            ("order", "carrier", "tracking_number", "shipped_at", "status", "lines"),
            refs={"order": ORDER},
            account_path="order.account",
        ),
        EntitySpec(
            "invoice",
            "fulfillment.Invoice",
            ("number",),
            ("order", "amount", "currency", "due_date", "status"),
            refs={"order": ORDER},
            account_path="order.account",
        ),
        EntitySpec(
            "return",
            "fulfillment.ReturnRequest",
            ("number",),
            ("order", "lines", "reason", "status"),
            refs={"order": ORDER},
            account_path="order.account",
        ),
        EntitySpec(
            "refund",
            "fulfillment.Refund",
            ("reference",),
            ("return_request", "amount", "currency", "status"),
            refs={"return_request": ("fulfillment.ReturnRequest", "number")},
            account_path="return_request.order.account",
        ),
    ]
}


def account_paths() -> dict[str, str | None]:
    """Model label to its path to the owning account, for checking references by scope."""
    return {spec.model: spec.account_path for spec in ENTITIES.values()}


def entity_fields() -> list[tuple[str, str]]:
    """Every (entity, field) pair the matrix must cover, in registry order."""
    return [(spec.name, name) for spec in ENTITIES.values() for name in spec.fields]
