"""Charts drawn as inline SVG on the server: no CDN, no script (the CSP forbids inline script).

Each chart is a bar per day; the held part of a day's bar is drawn over the received part,
and every bar carries a <title> so hovering names the day and its counts.
"""

from __future__ import annotations

from datetime import date

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT, GAP = 300, 60, 1


def bars_svg(*, days: list[date], received: list[int], held: list[int], label: str) -> SafeString:
    """A 30-day bar chart: received in grey, held in red, scaled to the busiest day."""
    top = max([*received, *held, 1])
    step = WIDTH / len(days)
    bars = []
    for n, day in enumerate(days):
        x = n * step
        bars.append(_bar(x, step, received[n], top, "received"))
        bars.append(_bar(x, step, held[n], top, "held"))
        tip = f"{day:%b %d}: {received[n]} received, {held[n]} held"
        bars.append(
            format_html(
                '<rect class="hit" x="{}" y="0" width="{}" height="{}"><title>{}</title></rect>',
                _n(x),
                _n(step),
                HEIGHT,
                tip,
            )
        )
    body = mark_safe("".join(bars))  # noqa: S308 - every part built by format_html above
    return format_html(
        '<svg class="chart" role="img" aria-label="{}" viewBox="0 0 {} {}" width="{}" height="{}" '
        'xmlns="http://www.w3.org/2000/svg"><title>{}</title>{}'
        '<line class="axis" x1="0" y1="{}" x2="{}" y2="{}"></line></svg>',
        label,
        WIDTH,
        HEIGHT,
        WIDTH,
        HEIGHT,
        label,
        body,
        _n(HEIGHT - 0.5),
        WIDTH,
        _n(HEIGHT - 0.5),
    )


def _bar(x: float, step: float, value: int, top: int, css: str) -> SafeString:
    if not value:
        return mark_safe("")
    height = max(1.0, (HEIGHT - 1) * value / top)
    return format_html(
        '<rect class="{}" x="{}" y="{}" width="{}" height="{}"></rect>',
        css,
        _n(x),
        _n(HEIGHT - 1 - height),
        _n(max(step - GAP, 1)),
        _n(height),
    )


def _n(number: float) -> str:
    """Coordinates to one decimal, formatted before format_html escapes them to text."""
    return f"{number:.1f}"


def legend() -> SafeString:
    return format_html_join(
        " ",
        '<span class="key {}">{}</span>',
        [("received", "payloads received"), ("held", "records held")],
    )
