"""Payloads as people read them: JSON indented, anything else as it came."""

import json

from django import template

register = template.Library()


@register.filter
def pretty(value) -> str:
    """Indented JSON for documents and JSON text; other text (XML, EDI) unchanged."""
    if isinstance(value, str | bytes):
        try:
            value = json.loads(value)
        except (ValueError, TypeError):
            return value if isinstance(value, str) else value.decode(errors="replace")
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)


@register.filter
def duration(value) -> str:
    """A timedelta as people say it: "1 day", "4 hours", "30 minutes"."""
    if value is None:
        return ""
    seconds = int(value.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = round(seconds / size, 1)
            count = int(count) if count == int(count) else count
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds} seconds"
