"""The order capture pipeline: parse, map, validate, apply. No network in here."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.accounts.models import AccountStatus, CompanyAccount
from apps.catalog.models import Product, ProductStatus
from apps.catalog.selectors import sku_by_rule, sku_keys_for, sku_rule_read_with
from apps.core.errors import ValidationFailed
from apps.exchange.config_cache import config_cached
from apps.exchange.handlers.order_capture.reads import OrderReads, order_reads, prices_read
from apps.exchange.stages.intake import json_document
from apps.flows.schemas import schema_check
from apps.orders.models import OrderLine
from apps.ownership.services import ownership_decide_write

FOUR_PLACES = Decimal("0.0001")


@dataclass
class Verdict:
    """What validate decided: the document to apply, the problems and the notes for the trace."""

    document: dict
    problems: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    owner: object = None
    account: CompanyAccount | None = None
    products: dict[str, Product] = field(default_factory=dict)


@dataclass
class Mapped:
    """The canonical document, with the account and products map read to build it."""

    document: dict
    account: CompanyAccount
    products: dict[str, Product]  # by canonical SKU


def order_parse(*, raw: bytes, flow) -> dict:
    """Bytes to a document that matches the flow's schema, or a structured 400."""
    document = json_document(raw)
    schema_check(flow_code=flow.code, version=flow.schema_version, document=document)
    return document


def order_map(*, document: dict, partner, erp) -> Mapped:
    """Partner terms to canonical ones: account, SKUs, and partner units to canonical units.

    The account and products come with `erp_code`, the codes of `erp` (the target) for
    them, for the route stage; the account with its authorised prices on the day for
    validate (`authorised_prices`, `prices_on`). All of it is one statement, however long
    the order (`order_reads`).
    """
    sent_lines = document["lines"]
    skus = [sent["sku"] for sent in sent_lines]
    rule = sku_rule_read_with(system=partner)
    on = timezone.localdate()
    reads = order_reads(
        partner=partner,
        erp=erp,
        account=document["account"],
        skus={sku: sku_by_rule(rule, sku) for sku in skus},
        codes={sent["uom"] for sent in sent_lines},
        on=on,
    )
    account = _entitled_account(document["account"], reads)
    account.authorised_prices, account.prices_on = reads.prices_for(account), on
    keys = sku_keys_for(
        system=partner, skus=skus, references=reads.references["product"], rule=rule
    )
    products = {sku: reads.products.get(key) for sku, key in keys.items()}
    lines, field_errors = [], {}
    for index, sent in enumerate(sent_lines):
        try:
            lines.append(_map_line(index + 1, sent, products[sent["sku"]], reads))
        except ValidationFailed as exc:
            field_errors[f"lines.{index}"] = [exc.message]
    if field_errors:
        raise ValidationFailed(
            "Some lines cannot be mapped.", code="unmappable", fields=field_errors
        )
    canonical = {
        "account": account.number,
        "po_number": document.get("po_number", ""),
        "currency": document["currency"],
        "ship_to": document.get("ship_to") or {},
        "lines": lines,
    }
    return Mapped(canonical, account, {p.sku: p for p in products.values() if p is not None})


def _entitled_account(number: str, reads: OrderReads) -> CompanyAccount:
    # The account, whether the partner may order for it, and the ERP's code.
    canonical = reads.references["company_account"].get(number, number)
    account = reads.accounts.get(canonical)
    if account is None or not account.entitled:
        raise ValidationFailed(
            f"Account {number} is unknown or not one this partner may order for.",
            code="unknown_account",
            fields={"account": ["Not an account you may order for."]},
        )
    if account.status != AccountStatus.ACTIVE:
        raise ValidationFailed(
            f"Account {number} is {account.status}.",
            code="account_inactive",
            fields={"account": [f"Account is {account.status}."]},
        )
    return account


def _map_line(line_number: int, sent: dict, product: Product | None, reads: OrderReads) -> dict:
    if product is None or product.status != ProductStatus.ACTIVE:
        raise ValidationFailed(f"SKU {sent['sku']} is unknown or not orderable.")
    conversion = reads.unit(product, sent["uom"])
    if conversion is None:
        raise ValidationFailed(f"Unit {sent['uom']} has no conversion for {product.sku}.")
    uom, factor = conversion
    quantity = Decimal(sent["quantity"]) * factor
    if quantity <= 0:
        raise ValidationFailed("Quantity must be more than zero.")
    unit_price = (Decimal(sent["unit_price"]) / factor).quantize(FOUR_PLACES, ROUND_HALF_UP)
    _check_columns(quantity=quantity, unit_price=unit_price)
    return {
        "line_number": line_number,
        "sku": product.sku,
        "quantity": format(quantity.normalize(), "f"),
        "uom": uom,
        "unit_price": str(unit_price),
        "sent": {k: sent[k] for k in ("quantity", "uom", "unit_price")},
        "ship_to": sent.get("ship_to") or {},
        "blanket": sent.get("blanket", ""),
    }


def _check_columns(**values: Decimal) -> None:
    # A unit factor can push a schema-valid quantity past what the column holds; say so
    # here, the same on every database, instead of failing at the insert.
    for name, value in values.items():
        try:
            OrderLine._meta.get_field(name).clean(value, None)
        except ValidationError as exc:
            raise ValidationFailed(
                f"{name} {value} in canonical units does not fit: {' '.join(exc.messages)}"
            ) from exc


def order_validate(
    *,
    document: dict,
    writer,
    account: CompanyAccount | None = None,
    products: dict[str, Product] | None = None,
) -> Verdict:
    """Check each line's price against the ERP-authorised price, as the matrix enforces it.

    `account` and `products` (by SKU) are what map already read, the account with its
    prices on the day it was mapped; a replay passes neither, and prices are read here.
    """
    skus = [line["sku"] for line in document["lines"]]
    account = account or CompanyAccount.objects.get(number=document["account"])
    if products is None:
        products = Product.objects.in_bulk(skus, field_name="sku")
    # Kept in memory between requests while the matrix is unchanged (config_cache).
    decision = config_cached(
        ("order_line.unit_price", writer.pk),
        lambda: ownership_decide_write(
            entity="order_line", field="unit_price", system=writer, creating=True
        ),
    )
    verdict = Verdict(
        document=document, owner=decision.rule.business_owner, account=account, products=products
    )
    if decision.allowed:
        return verdict
    on = timezone.localdate()
    prices = getattr(account, "authorised_prices", None)
    if prices is None or account.prices_on != on:  # a replay, or mapped the day before
        prices = prices_read(account=account, products=[products[sku] for sku in skus], on=on)
    for line in document["lines"]:
        # Only a replay sets price_decided_by: the partner schema does not allow the key.
        if not line.get("price_decided_by"):
            price = prices.get(products[line["sku"]].pk)
            _check_price(verdict, line, price, document["currency"], decision)
    return verdict


def _check_price(verdict: Verdict, line: dict, price, currency, decision) -> None:
    problem = {
        "line_number": line["line_number"],
        "sku": line["sku"],
        "sent_unit_price": line["unit_price"],
        "owner_system": decision.rule.owner_system.code,
    }
    if price is None or price.currency != currency or price.uom != line["uom"]:
        verdict.problems.append(
            {**problem, "code": "no_authorised_price", "authorised_unit_price": None}
        )
        return
    authorised = price.unit_price.quantize(FOUR_PLACES)
    if Decimal(line["unit_price"]) == authorised:
        return
    if decision.quarantines:
        verdict.problems.append(
            {
                **problem,
                "code": "price_mismatch",
                "authorised_unit_price": str(authorised),
                "contract": price.contract_number,
            }
        )
        return
    verdict.notes.append(
        f"Line {line['line_number']}: {writer_label(decision)} sent {line['unit_price']}; "
        f"the owner's price {authorised} stands."
    )
    line["unit_price"] = str(authorised)


def writer_label(decision) -> str:
    return f"a non-owner of order_line.unit_price (owner: {decision.rule.owner_system.code})"
