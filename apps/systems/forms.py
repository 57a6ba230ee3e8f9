"""Admin form for a system: the credential is write-only."""

from django import forms

from apps.systems.models import WEEKDAY_NAMES, MaintenanceWindow, System


class SystemAdminForm(forms.ModelForm):
    """System fields, with the token entered but never shown back (not even masked)."""

    new_token = forms.CharField(
        label="New auth token",
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Stored encrypted; leave blank to keep the current value.",
    )
    clear_token = forms.BooleanField(
        label="Remove the auth token",
        required=False,
        help_text="The hub then calls this system without credentials.",
    )

    class Meta:
        model = System
        # Listed, not `exclude`d: a field added to System later stays off this form until
        # someone decides it is safe to show (auth_token never is; is_active has actions).
        fields = [
            "code",
            "name",
            "kind",
            "environment",
            "base_url",
            "timeout_seconds",
            "api_requests_per_minute",
            "delivery_rate_limit",
            "circuit_failure_threshold",
            "circuit_cooloff_seconds",
        ]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("new_token") and cleaned.get("clear_token"):
            raise forms.ValidationError("Enter a new token or remove the current one, not both.")
        return cleaned


class MaintenanceWindowForm(forms.ModelForm):
    """A window with its weekdays as checkboxes (stored as "0,4": Monday = 0)."""

    weekdays = forms.TypedMultipleChoiceField(
        choices=list(enumerate(WEEKDAY_NAMES)),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Weekly windows: the days they start on.",
    )

    class Meta:
        model = MaintenanceWindow
        fields = [
            "kind",
            "reason",
            "starts_at",
            "ends_at",
            "weekdays",
            "start_time",
            "duration_minutes",
            "time_zone",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["weekdays"] = sorted(self.instance.weekday_numbers())

    def clean_weekdays(self) -> str:
        return ",".join(str(day) for day in sorted(self.cleaned_data["weekdays"]))
