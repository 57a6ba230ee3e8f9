from django import forms

from apps.monitoring.models import AlertRule, RunbookVersion


class AlertRuleForm(forms.ModelForm):
    """An alert rule; its owner is required because someone must hold the decision."""

    class Meta:
        model = AlertRule
        fields = [
            "flow",
            "kind",
            "threshold",
            "owner",
            "escalate_to",
            "escalate_after",
            "runbook",
            "is_active",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].required = True
        self.fields["owner"].error_messages["required"] = (
            "Name the owner with decision authority: an alert nobody may act on is noise."
        )


class RunbookVersionForm(forms.ModelForm):
    """The next version of a runbook; the previous ones stay as they were published."""

    class Meta:
        model = RunbookVersion
        fields = [
            "runbook",
            "likely_cause",
            "recovery_steps",
            "escalation",
            "commands",
            "expected_after_success",
            "expected_after_failure",
            "note",
        ]


class SnoozeForm(forms.Form):
    hours = forms.IntegerField(min_value=1, max_value=72, initial=4)


class ResolveForm(forms.Form):
    note = forms.CharField(max_length=300, required=False)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("refuse", "Refuse")])
    note = forms.CharField(max_length=1000, required=False, widget=forms.Textarea)
