"""Carts, quotes, orders and payments, as the matrix governs them (registered in OrdersConfig)."""

from apps.accounts.ownership import ACCOUNT
from apps.catalog.ownership import PRODUCT
from apps.orders import services
from apps.ownership.registry import EntitySpec

# How other entities refer to an order: by the hub's order number.
ORDER = ("orders.Order", "number")

ENTITIES = [
    EntitySpec(
        "cart",
        "orders.Cart",
        services.CART_KEY,
        ("account", "buyer_email", "lines", "status"),
        refs={"account": ACCOUNT},
        account_path="account",
        write=services.cart_upsert,
    ),
    EntitySpec(
        "quote",
        "orders.Quote",
        services.QUOTE_KEY,
        ("account", "lines", "total", "currency", "valid_until", "status"),
        refs={"account": ACCOUNT},
        account_path="account",
        write=services.quote_upsert,
    ),
    EntitySpec(
        "order",
        "orders.Order",
        services.ORDER_KEY,
        ("po_number", "status"),
        account_path="account",
        write=services.order_upsert,
    ),
    EntitySpec(
        "order_line",
        "orders.OrderLine",
        services.ORDER_LINE_KEY,
        ("quantity", "unit_price"),
        refs={"order": ORDER},
        account_path="order.account",
        write=services.order_line_upsert,
    ),
    EntitySpec(
        "blanket_order",
        "orders.BlanketOrder",
        services.BLANKET_ORDER_KEY,
        ("account", "product", "total_quantity", "unit_price", "valid_to"),
        refs={"account": ACCOUNT, "product": PRODUCT},
        account_path="account",
        write=services.blanket_order_upsert,
    ),
    EntitySpec(
        "order_release",
        "orders.OrderRelease",
        services.ORDER_RELEASE_KEY,
        ("blanket", "quantity", "requested_date", "status"),
        refs={"blanket": ("orders.BlanketOrder", "number")},
        account_path="blanket.account",
        write=services.order_release_upsert,
    ),
    EntitySpec(
        "payment",
        "orders.Payment",
        services.PAYMENT_KEY,
        ("order", "amount", "currency", "status", "method"),
        refs={"order": ORDER},
        account_path="order.account",
        write=services.payment_upsert,
    ),
]
