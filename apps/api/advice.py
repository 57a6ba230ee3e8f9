"""Why the hub refused a partner's payload, in plain words, and what the partner must change.

Keyed by the error code the API answered (rejected payloads) or the reason a record waits in
quarantine. A code not listed still gets its message and a general hint, never nothing.
"""

ADVICE = {
    "validation_failed": (
        "The payload does not match the API's schema for this flow.",
        "Fix the fields listed under `fields` and send it again with a new Idempotency-Key.",
    ),
    "malformed_json": (
        "The body is not valid JSON.",
        "Send well-formed UTF-8 JSON with Content-Type: application/json.",
    ),
    "too_deeply_nested": (
        "The JSON is nested deeper than the hub accepts (20 levels).",
        "Flatten the document; no real order needs that depth.",
    ),
    "number_too_large": (
        "A number is longer than 40 characters or not finite.",
        'Send quantities and prices as plain decimals such as "10" or "4.20".',
    ),
    "invalid_text": (
        "Some text contains NUL characters or broken Unicode.",
        "Strip control characters and encode text as UTF-8.",
    ),
    "unknown_account": (
        "The account number is not one you may order for.",
        "Use an account number GET /api/v1/accounts/ lists for you.",
    ),
    "account_inactive": (
        "The account is suspended; it may not order.",
        "Ask the account's owner at the hub to reactivate it; resending will not help.",
    ),
    "unmappable": (
        "A value could not be translated to the hub's terms (an unknown SKU or unit).",
        "Use SKUs from GET /api/v1/products/ and units the hub knows for them.",
    ),
    "idempotency_key_required": (
        "The Idempotency-Key header was missing.",
        "Send a unique Idempotency-Key header (1 to 200 printable characters) per request.",
    ),
    "idempotency_key_invalid": (
        "The Idempotency-Key header is not 1 to 200 printable ASCII characters.",
        "Use a UUID or another short printable key.",
    ),
    "idempotency_key_reused": (
        "The Idempotency-Key was used before with a different body.",
        "Use a new key for a new request; reuse a key only to retry the very same body.",
    ),
    "payload_too_large": (
        "The body is larger than the hub accepts.",
        "Split the payload (fewer lines or records per request).",
    ),
    "flow_inactive": (
        "The flow you sent to is retired and takes no payloads.",
        "Ask the hub's integration admin which flow replaces it.",
    ),
    "flow_draining": (
        "The flow is being drained for maintenance and takes no new payloads.",
        "Send it again later with the same Idempotency-Key.",
    ),
    "target_unavailable": (
        "The system behind the flow is down and the flow refuses payloads meanwhile.",
        "Retry after the Retry-After the answer carried, with the same Idempotency-Key.",
    ),
    "not_found": (
        "The record you wrote to does not exist or is not one you may see.",
        "Check the key; records of accounts you are not entitled to answer as missing.",
    ),
    "price_mismatch": (
        "An order line's unit price differs from the price authorised for the account.",
        "Send the price GET /api/v1/prices/?account=&sku= gives; the order waits for the "
        "pricing owner meanwhile.",
    ),
    "no_authorised_price": (
        "No price is authorised for the account and product.",
        "Ask your account manager for a contract price before ordering the product.",
    ),
    "ownership_refused": (
        "You wrote fields the ownership matrix gives another system.",
        "Stop sending those fields; GET /api/v1/ownership/ says who owns each one.",
    ),
    "possible_duplicate": (
        "The company you sent looks like one the hub already has.",
        "Nothing to change: the hub's owner decides whether it is the same company.",
    ),
}
GENERAL = (
    "The hub could not accept the payload.",
    "Read the message; if it is unclear, contact the hub's integration admin with the id.",
)


def advice_for(code: str) -> tuple[str, str]:
    """(reason in plain words, what to change) for an error code or a quarantine reason."""
    return ADVICE.get(code, GENERAL)
