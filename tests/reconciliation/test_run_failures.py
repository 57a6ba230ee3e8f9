"""Whatever breaks inside a run, the run ends recorded as failed with the reason, never left
running; earlier mismatches stay open (a run that did not compare everything resolves none)."""

from decimal import Decimal

import pytest

from apps.reconciliation.choices import RunStatus, Trigger
from apps.reconciliation.engine import Field
from apps.reconciliation.registry import Assessment, Comparison, Reconciliation, registry
from apps.reconciliation.services import reconciliation_run
from apps.reconciliation.sources import figure, money, number

pytestmark = pytest.mark.django_db


def _assess(difference) -> Assessment:
    return Assessment(
        kind="changed",
        effect="",
        entity="inventory",
        field="available",
        action="",
        subject_type="inventory",
        subject_key=difference.key,
    )


def _broken_side(context):
    yield "A", {"qty": "1"}
    raise KeyError("qty")


@pytest.fixture
def broken():
    comparison = Comparison(
        name="left-right",
        left="left",
        right="right",
        fields=(Field("qty"),),
        left_rows=_broken_side,
        right_rows=lambda context: iter([("A", {"qty": "1"})]),
        assess=_assess,
    )
    registry.register(Reconciliation("broken", "Broken", "inventory-update", (comparison,)))
    yield "broken"
    registry.unregister("broken")


def test_an_unexpected_error_in_a_side_is_a_failed_run_with_its_reason(broken, caplog):
    run = reconciliation_run(name=broken, trigger=Trigger.COMMAND)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and run.finished_at is not None
    assert run.error == "Unexpected KeyError: 'qty'"
    assert "failed unexpectedly" in caplog.text  # with its traceback, for whoever fixes it


@pytest.mark.parametrize("value", ["ten", "", None, "NaN", "Infinity", True, [1]])
def test_a_figure_that_is_not_a_finite_number_is_refused(value):
    with pytest.raises(Exception, match="where a number belongs") as refused:
        number(value)
    assert refused.type.__name__ == "ValidationFailed"


@pytest.mark.parametrize(
    ("value", "text", "cents"),
    [
        ("2.50", "2.5", "2.50"),
        (10, "10", "10.00"),
        ("1E+1", "10", "10.00"),
        (Decimal("0"), "0", "0.00"),
    ],
)
def test_figures_compare_by_value_not_spelling(value, text, cents):
    assert (figure(value), money(value)) == (text, cents)
