"""Contracts and prices, as the matrix governs them (registered in PricingConfig)."""

from apps.accounts.ownership import ACCOUNT
from apps.catalog.ownership import PRODUCT
from apps.ownership.registry import EntitySpec
from apps.pricing import services

ENTITIES = [
    EntitySpec(
        "contract",
        "pricing.Contract",
        services.CONTRACT_KEY,
        ("account", "starts_on", "ends_on", "status"),
        refs={"account": ACCOUNT},
        account_path="account",
        write=services.contract_upsert,
    ),
    EntitySpec(
        "price_list",
        "pricing.PriceList",
        services.PRICE_LIST_KEY,
        ("name", "currency", "account"),
        refs={"account": ACCOUNT},
        account_path="account",
        write=services.price_list_upsert,
    ),
    EntitySpec(
        "contract_price",
        "pricing.ContractPrice",
        services.CONTRACT_PRICE_KEY,
        ("unit_price", "currency", "uom", "valid_to", "min_quantity", "contract_number"),
        refs={"account": ACCOUNT, "product": PRODUCT},
        stamps=("authorised_by",),
        account_path="account",
        write=services.contract_price_upsert,
    ),
]
