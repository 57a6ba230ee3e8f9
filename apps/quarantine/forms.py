"""The typed forms of quarantine decisions; each is built from the item it decides."""

from __future__ import annotations

from django import forms

from apps.quarantine.models import QuarantineItem


class NoteForm(forms.Form):
    """A decision that needs nothing but an optional note for the item's history."""

    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, item: QuarantineItem, **kwargs):
        super().__init__(*args, **kwargs)
        self.item = item


class PriceCorrectionForm(NoteForm):
    """One price per line of a held order, prefilled with the authorised price where known."""

    def __init__(self, *args, item: QuarantineItem, **kwargs):
        super().__init__(*args, item=item, **kwargs)
        authorised = {p["line_number"]: p.get("authorised_unit_price") for p in item.problems}
        for line in item.payload["lines"]:
            number = line["line_number"]
            self.fields[f"price_{number}"] = forms.DecimalField(
                label=f"Line {number} {line['sku']} unit price ({line['uom']})",
                min_value=0,
                decimal_places=4,
                max_digits=14,
                initial=authorised.get(number) or line["unit_price"],
            )

    def clean(self) -> dict:
        cleaned = super().clean()
        cleaned["prices"] = {
            int(name.removeprefix("price_")): str(value)
            for name, value in cleaned.items()
            if name.startswith("price_") and value is not None
        }
        return cleaned


class SameCompanyForm(NoteForm):
    """The candidate the pipeline found, shown as the company the record will map to."""

    def __init__(self, *args, item: QuarantineItem, **kwargs):
        super().__init__(*args, item=item, **kwargs)
        problem = item.problems[0]
        # Disabled: the candidate is the pipeline's finding, not something the form may change.
        self.fields["same_as"] = forms.CharField(
            label="Existing company",
            disabled=True,
            initial=problem["candidate"],
            help_text=f"{problem.get('candidate_name', '')} ({problem.get('reason', '')})",
        )
        self.order_fields(["same_as", "note"])


class DiscardForm(NoteForm):
    """Closing without replay drops a partner's write: the reason is mandatory."""

    note = forms.CharField(
        label="Why",
        help_text="The sender's team reads this.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
