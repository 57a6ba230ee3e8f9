"""Query-string filters shared by the partner API's lists."""

from datetime import UTC

from django.core.exceptions import ValidationError
from django_filters import IsoDateTimeFilter
from django_filters.fields import IsoDateTimeField


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 instant, converted to UTC before it reaches the database.

    ISO 8601 allows any offset, PostgreSQL only offsets within ±15:59: an instant with a wider
    offset must be turned into UTC here, or the database refuses the query (a 500, not a 400).
    """

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(UTC)
        except (OverflowError, ValueError) as exc:
            raise ValidationError("This instant is outside the years 1 to 9999.") from exc


class UtcIsoDateTimeFilter(IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField
