"""The chart of the report: each ratio to its reference, with the target as a mark.

A small hand-written SVG: one picture of bars and target marks does not justify a plotting
library (and its native wheels) in every developer's environment.
"""

from __future__ import annotations

import html


def chart_svg(results: dict) -> str:
    """Horizontal bars: each ratio to its reference, with the target as a mark."""
    bars: list[tuple[str, float, float | None]] = []
    p1 = results.get("P1") or {}
    for label, name, target in [
        ("P1 catalogue", "catalogue", 0.7),
        ("P1 home page", "home", None),
        ("P1b video detail", "video detail, logged in", 0.5),
        ("P1b speech detail", "speech detail, logged in", 0.5),
    ]:
        if p1.get(name):
            bars.append((label, p1[name]["ratio"], target))
    p4 = results.get("P4") or {}
    if p4:
        bars.append(("P4 X-Accel download", p4["portal via X-Accel-Redirect"]["ratio"], 0.9))
        bars.append(("P4b streamed download", p4["portal streamed (no nginx)"]["ratio"], None))
    if results.get("P5"):
        bars.append(("P5 newsletter", results["P5"]["ratio_portal_to_raw"], 0.5))

    left, width, bar_height, gap = 190, 460, 22, 10
    top = 40
    height = top + len(bars) * (bar_height + gap) + 40
    scale = width / 1.2  # ratios up to 1.2 fit; longer bars are clipped and labelled
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 80}" height="{height}" '
        'font-family="sans-serif" font-size="13" role="img" '
        'aria-labelledby="title"><title id="title">Portal throughput as a share of its '
        "reference, measured in the same run; the dark mark is the target</title>",
        f'<text x="{left}" y="20" font-weight="bold">portal ÷ reference (same run); '
        "mark = target</text>",
    ]
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        x = left + tick * scale
        parts.append(
            f'<line x1="{x:.0f}" y1="{top - 6}" x2="{x:.0f}" y2="{height - 30}" '
            'stroke="#ddd" stroke-width="1"/>'
        )
        parts.append(f'<text x="{x:.0f}" y="{height - 14}" text-anchor="middle">{tick:g}</text>')
    for index, (label, ratio, target) in enumerate(bars):
        y = top + index * (bar_height + gap)
        met = target is None or ratio >= target
        colour = "#2a7a3b" if met else "#b3261e"
        length = min(ratio, 1.2) * scale
        parts.append(
            f'<text x="{left - 8}" y="{y + 16}" text-anchor="end">{html.escape(label)}</text>'
        )
        parts.append(
            f'<rect x="{left}" y="{y}" width="{length:.0f}" height="{bar_height}" fill="{colour}"/>'
        )
        parts.append(f'<text x="{left + length + 6:.0f}" y="{y + 16}">{ratio:.2f}</text>')
        if target is not None:
            x = left + target * scale
            parts.append(
                f'<line x1="{x:.0f}" y1="{y - 3}" x2="{x:.0f}" y2="{y + bar_height + 3}" '
                'stroke="#111" stroke-width="3"/>'
            )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
