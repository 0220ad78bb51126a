"""Bar charts drawn as SVG by the template: the geometry here, the markup in the template."""

from __future__ import annotations

from dataclasses import dataclass

# The drawing's own units; the SVG scales to its container (viewBox, width 100%).
WIDTH = 320
BAR_SPACE = 260  # the longest bar; the rest leaves room for its value
ROW_HEIGHT = 40


@dataclass(frozen=True)
class Bar:
    label: str
    value: int | float
    label_y: int
    bar_y: int
    width: float
    value_x: float


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars, a label above each, scaled to the largest value."""

    slug: str
    title: str
    desc: str
    label_heading: str
    value_heading: str
    bars: list[Bar]
    width: int = WIDTH

    @property
    def height(self) -> int:
        return max(len(self.bars), 1) * ROW_HEIGHT


def bar_chart(
    *,
    slug: str,
    title: str,
    desc: str,
    label_heading: str,
    value_heading: str,
    rows: list[tuple[str, int | float]],
) -> BarChart:
    """Lay ``rows`` out as bars: label, then a bar as long as its share of the largest value."""
    largest = max((value for _label, value in rows), default=0)
    bars = []
    for index, (label, value) in enumerate(rows):
        top = index * ROW_HEIGHT
        width = round(BAR_SPACE * value / largest, 1) if largest else 0
        bars.append(
            Bar(
                label=label,
                value=value,
                label_y=top + 14,
                bar_y=top + 20,
                width=width,
                value_x=width + 6,
            )
        )
    return BarChart(
        slug=slug,
        title=title,
        desc=desc,
        label_heading=label_heading,
        value_heading=value_heading,
        bars=bars,
    )
