"""The typed forms of quarantine decisions; each is built from the item it decides."""

from __future__ import annotations

from django import forms
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist

from apps.ownership.registry import ENTITIES
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


class FieldCorrectionForm(NoteForm):
    """The owner's value for each held field, typed as the canonical entity types it.

    Built from the entity's model field (input, choices, validation) and the matrix row the
    problem names (who owns the field, who decides), never a free-form JSON box.
    """

    def __init__(self, *args, item: QuarantineItem, **kwargs):
        super().__init__(*args, item=item, **kwargs)
        sent = item.payload.get("fields", {})
        for problem in held_field_problems(item):
            name = problem["field"]
            field = _typed_field(item.subject_type, name)
            field.label = f"{field.label or name} (sent: {sent.get(name)})"
            field.help_text = (
                f"Owned by {problem.get('owner_system', '?')}; "
                f"{problem.get('business_owner', item.assigned_owner.name)} decides."
            )
            field.initial = sent.get(name)
            self.fields[f"field_{name}"] = field
        self.order_fields([*(n for n in self.fields if n != "note"), "note"])

    def clean(self) -> dict:
        cleaned = super().clean()
        cleaned["values"] = {
            name.removeprefix("field_"): _plain(value)
            for name, value in cleaned.items()
            if name.startswith("field_")
        }
        return cleaned


def held_field_problems(item: QuarantineItem) -> list[dict]:
    """The problems that name a field of a canonical entity the registry knows."""
    if item.subject_type not in ENTITIES:
        return []
    return [p for p in item.problems if isinstance(p, dict) and p.get("field")]


def _typed_field(entity: str, name: str) -> forms.Field:
    model = apps.get_model(ENTITIES[entity].model)
    try:
        model_field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return forms.CharField(label=name)
    # A reference is sent as the sender's own code; the pipeline resolves it on replay.
    if model_field.is_relation:
        return forms.CharField(label=str(model_field.verbose_name))
    return model_field.formfield() or forms.CharField(label=str(model_field.verbose_name))


def _plain(value):
    """A JSON-safe value for the correction record (Decimal and dates as text)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


class AssignForm(forms.Form):
    """Give an item to a person of its owner's team; empty takes it back to the team."""

    assignee = forms.ModelChoiceField(queryset=None, required=False, empty_label="(nobody)")
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 1}))

    def __init__(self, *args, users, **kwargs):
        # Its own ids: the review screen shows it next to the decisions' note fields.
        super().__init__(*args, auto_id="assign_%s", **kwargs)
        self.fields["assignee"].queryset = users


class CommentForm(forms.Form):
    """A note on the item's history, for the next person who opens it."""

    note = forms.CharField(label="Comment", widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, auto_id="comment_%s", **kwargs)
