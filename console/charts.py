"""Server-side SVG charts for the dashboard: no JavaScript, no CDN, readable on a phone."""
from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

ROW = 28
LABEL_WIDTH = 150
BAR_MAX = 230
WIDTH = LABEL_WIDTH + BAR_MAX + 50


def bar_chart(series: Sequence[tuple[str, int]], *, title: str = "") -> Markup:
    """Horizontal bars, one row per (label, value), scaled to the largest value."""
    rows = list(series)
    top = max((value for _, value in rows), default=0) or 1
    height = ROW * len(rows) + 8
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}" '
             f'xmlns="http://www.w3.org/2000/svg">']
    for i, (label, value) in enumerate(rows):
        y = 4 + i * ROW
        bar = round(BAR_MAX * value / top) if value else 0
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 17}" text-anchor="end" class="chart-label">{escape(label)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 4}" width="{max(bar, 2)}" height="{ROW - 10}" rx="3" '
            f'class="chart-bar"><title>{escape(label)}：{value}</title></rect>'
            f'<text x="{LABEL_WIDTH + max(bar, 2) + 6}" y="{y + 17}" class="chart-value">{value}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
