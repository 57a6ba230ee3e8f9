"""The trend of mismatches over runs, drawn as SVG on the server (no script, no CDN)."""

from __future__ import annotations

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT, PAD = 640, 180, 28


def trend_svg(runs: list, *, current_id: int | None = None) -> SafeString:
    """Bars of each run's mismatches (failed runs hatched grey), the current run outlined."""
    if not runs:
        return mark_safe('<p id="trend-empty">No finished runs yet.</p>')
    top = max(max(run.mismatch_count for run in runs), 1)
    slot = (WIDTH - 2 * PAD) / len(runs)
    bars = []
    for index, run in enumerate(runs):
        height = (HEIGHT - 2 * PAD) * run.mismatch_count / top
        x = PAD + index * slot + slot * 0.15
        y = HEIGHT - PAD - height
        css = "bar failed" if run.status == "failed" else "bar"
        if run.pk == current_id:
            css += " current"
        title = f"Run {run.pk} ({run.created_at:%Y-%m-%d %H:%M}): {run.mismatch_count} "
        title += (
            f"mismatches, {run.value_at_stake} at stake" if run.status != "failed" else "failed"
        )
        bars.append(
            (
                css,
                f"{x:.1f}",
                f"{y:.1f}",
                f"{slot * 0.7:.1f}",
                f"{max(height, 1):.1f}",
                title,
                f"{x + slot * 0.35:.1f}",
                f"{y - 4:.1f}",
                run.mismatch_count,
            )
        )
    body = format_html_join(
        "",
        '<g><rect class="{}" x="{}" y="{}" width="{}" height="{}"><title>{}</title></rect>'
        '<text x="{}" y="{}" text-anchor="middle">{}</text></g>',
        bars,
    )
    return format_html(
        '<svg id="trend" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="{}" '
        'height="{}" role="img" aria-label="{}">'
        '<line x1="{}" y1="{}" x2="{}" y2="{}" class="axis"/>{}</svg>',
        WIDTH,
        HEIGHT,
        WIDTH,
        HEIGHT,
        escape(f"Mismatches over the last {len(runs)} runs"),
        PAD,
        HEIGHT - PAD,
        WIDTH - PAD,
        HEIGHT - PAD,
        body,
    )
