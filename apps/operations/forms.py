from django import forms


class OrderPriceCorrectionForm(forms.Form):
    """One price field per line of a quarantined order, prefilled with the authorised price."""

    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, item, **kwargs):
        super().__init__(*args, **kwargs)
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

    def prices(self) -> dict[int, str]:
        return {
            int(name.split("_")[1]): str(value)
            for name, value in self.cleaned_data.items()
            if name.startswith("price_")
        }


class DecisionNoteForm(forms.Form):
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
