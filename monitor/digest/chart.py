"""The digest chart: hits per day per category as a PNG, drawn with matplotlib's Agg (pure bytes out).

Uses Figure and the Agg canvas directly, never pyplot: no global backend state, safe in threads.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from monitor.digest.build import Change, Digest
from monitor.markup import truncate

if TYPE_CHECKING:
    from matplotlib.axes import Axes

LEGEND_LABEL = 40  # characters of a category (a keyword expression can be long)


def render_chart(digest: Digest) -> bytes:
    """A stacked bar chart of posts with hits per local day, one colour per category."""
    # Imported on the first chart, not with the module: matplotlib takes about 0.3 s to import,
    # and every CLI command and service start would pay it for a chart drawn once a week.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    regions = [c for c in digest.by_region if c.count]
    figure = Figure(figsize=(10, 8) if regions else (8, 4.5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(2, 1, 1) if regions else figure.add_subplot()
    labels = [d.strftime("%a %d.%m") for d in digest.days]
    positions = list(range(len(labels)))  # numbers, not strings: no category-axis guessing
    bottom = [0] * len(labels)
    for category, counts in digest.daily:
        axes.bar(positions, counts, bottom=bottom, label=truncate(category, LEGEND_LABEL))
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    axes.set_xticks(positions, labels)
    axes.set_title(f"Posts with hits per day, {digest.week} ({digest.timezone})")
    axes.set_ylabel("posts with hits, by category")
    axes.set_ylim(0, max([*bottom, 1]) * 1.15)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    if digest.daily:
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")
    else:
        axes.text(0.5, 0.5, "no hits this week", ha="center", va="center", transform=axes.transAxes)
    if regions:
        _regions(figure.add_subplot(2, 1, 2), regions)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _regions(axes: Axes, regions: list[Change]) -> None:
    """Posts per region this week, beside last week's (monitor/digest/places.py)."""
    from matplotlib.ticker import MaxNLocator

    names = [_short(c.name) for c in regions][::-1]
    positions = list(range(len(names)))
    axes.barh(
        [p + 0.2 for p in positions], [c.count for c in regions][::-1], 0.4, label="this week"
    )
    axes.barh(
        [p - 0.2 for p in positions], [c.previous for c in regions][::-1], 0.4, label="last week"
    )
    axes.set_yticks(positions, names)
    axes.set_title("Posts by region named")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.legend(loc="lower right", fontsize="small")


def _short(region_label: str) -> str:
    """«Донецька обл. (occ.)»: short enough to leave the daily chart above its width."""
    short = region_label.replace("Автономна Республіка Крим", "Крим").replace(" область", " обл.")
    return truncate(short.replace(" (occupied)", " (occ.)"), 24)
