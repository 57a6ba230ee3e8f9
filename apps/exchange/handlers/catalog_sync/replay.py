"""Replays of held PIM records, once the catalog owner corrected one and a second person approved.

The corrected record goes through the same checks as a sync page of one; if it still fails
them, the approval is refused with the reason, and nothing is written.
"""

from __future__ import annotations

from apps.catalog.selectors import products_sync_state, sku_rule_for, unit_table_for
from apps.catalog.services import products_write_synced
from apps.core.errors import ValidationFailed
from apps.exchange.handlers.catalog_sync import rules
from apps.exchange.handlers.catalog_sync.page import (
    kept_fields,
    matrix_decisions,
    page_sort,
    row_of,
)
from apps.exchange.stages.batch import Prepared
from apps.exchange.stages.route import delivery_schedule
from apps.exchange.stages.trace import trace_record


def catalog_replay(*, item, actor, path: str) -> None:
    """Write the owner's corrected record as the sync would, and push it to the storefront."""
    source = item.flow.source_system
    record = item.corrected_payload or item.payload
    mapped = rules.record_map(
        record, rule=sku_rule_for(system=source), units=unit_table_for(system=source)
    )
    if not isinstance(mapped, rules.Mapped):
        raise ValidationFailed(rules.problems_message(record.get("sku"), mapped))
    prepared = Prepared()
    decisions = matrix_decisions(source)
    state = products_sync_state(skus={mapped.sku}, fields=kept_fields(decisions))
    page_sort([mapped], state, prepared, decisions)
    if prepared.rejected:
        raise ValidationFailed(prepared.rejected[0].message)
    for m, stored in prepared.good:
        row = row_of(m) if stored is None else {**row_of(m), "created_at": stored["created_at"]}
        products_write_synced(
            new=[row] if stored is None else [],
            changed=[row] if stored else [],
            actor=actor,
            reason=f"replay of quarantine item {item.pk}",
        )
        delivery_schedule(
            flow=item.flow,
            subject_type="product",
            subject_key=m.sku,
            path=path,
            payload={"products": [rules.storefront_product(m)]},
        )
    trace_record(
        subject_type="product",
        subject_key=mapped.sku,
        stage="replay",
        actor=actor,
        message=f"PIM record {mapped.source_sku!r} applied on the authority of "
        f"{item.assigned_owner.name}; approved by {actor.get_username()}.",
        data={"record": record},
    )
