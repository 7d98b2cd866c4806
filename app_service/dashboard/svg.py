"""Small server-rendered SVG charts, labelled for screen readers."""

from __future__ import annotations

from html import escape

COLORS = {"sent": "#1f4e8c", "delivered": "#2e7d32", "responses": "#b35900", "clicked": "#6a1b9a"}


def bars(title: str, labels: list[str], series: dict[str, list[int]], height: int = 160) -> str:
    """Grouped bars, one group per label; a <title> and a text summary for assistive tech."""
    groups = max(len(labels), 1)
    n = max(len(series), 1)
    top = max([1, *(v for values in series.values() for v in values)])
    width = 640
    group_w = width / groups
    bar_w = max(2.0, group_w / (n + 1))
    parts = [
        f'<svg viewBox="0 0 {width} {height + 24}" role="img" aria-labelledby="t-{id(labels)}" '
        f'preserveAspectRatio="none" class="chart"><title id="t-{id(labels)}">{escape(title)}</title>'
    ]
    for g, label in enumerate(labels):
        for s, (name, values) in enumerate(series.items()):
            v = values[g]
            h = height * v / top
            x = g * group_w + s * bar_w + bar_w / 2
            parts.append(
                f'<rect x="{x:.1f}" y="{height - h:.1f}" width="{bar_w * 0.9:.1f}" height="{h:.1f}" '
                f'fill="{COLORS.get(name, "#555")}"><title>{escape(label)}: {v} {escape(name)}</title></rect>'
            )
        if groups <= 14 or g % max(1, groups // 7) == 0:
            parts.append(
                f'<text x="{g * group_w + group_w / 2:.1f}" y="{height + 16}" font-size="11" '
                f'text-anchor="middle" fill="#333">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
