"""The 活动情况 report's bar charts as PNG images for the .docx (matplotlib, Agg backend: no display, no GUI).

Labels are Chinese, so the first Noto CJK font found is used (fonts-noto-cjk); without one the charts are still drawn,
with a logged warning, and Chinese labels may show as boxes. Each chart is drawn on its own Figure (not pyplot's
global state), so concurrent requests do not share a figure.
"""
from __future__ import annotations

import warnings
from collections.abc import Sequence
from functools import cache
from io import BytesIO
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
from matplotlib import font_manager  # noqa: E402  (after choosing the backend)
from matplotlib.figure import Figure  # noqa: E402

import logs  # noqa: E402

log = logs.get(__name__)

FONT_DIRS = (Path("/usr/share/fonts/opentype/noto"), Path("/usr/share/fonts/opentype"), Path("/usr/share/fonts"))
FONT_PATTERNS = ("NotoSansCJK-Regular.ttc", "NotoSansCJK*.ttc", "NotoSerifCJK*.ttc", "*CJK*.tt[cf]", "*CJK*.otf")
BAR_COLOUR = "#2f6db5"
MAX_BARS = 12
LABEL_CHARS = 16


@cache
def cjk_font() -> str | None:
    """The family name of an installed CJK font, registered with matplotlib; None (logged) when there is none."""
    for folder in FONT_DIRS:
        if not folder.is_dir():
            continue
        for pattern in FONT_PATTERNS:
            for path in sorted(folder.rglob(pattern)):
                try:
                    font_manager.fontManager.addfont(str(path))
                    return font_manager.FontProperties(fname=str(path)).get_name()
                except (OSError, RuntimeError, ValueError):
                    continue
    log.warning("report charts: no CJK font found, Chinese labels may not render", searched=[str(d) for d in FONT_DIRS])
    return None


def bar_png(series: Sequence[tuple[str, int]], *, title: str) -> bytes:
    """Horizontal bars, largest first at the top, each with its value; PNG bytes at 150 dpi."""
    rows = list(series)[:MAX_BARS]
    labels = [label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1] + "…" for label, _ in rows]
    values = [value for _, value in rows]
    family = cjk_font()
    figure = Figure(figsize=(6.4, 0.45 * len(rows) + 1.1), dpi=150)
    axes = figure.add_subplot()
    positions = range(len(rows))
    axes.barh(positions, values, color=BAR_COLOUR)
    axes.set_yticks(list(positions), labels, fontfamily=family)
    axes.invert_yaxis()
    axes.set_title(title, fontfamily=family)
    top = max(values, default=0) or 1
    for y, value in zip(positions, values):
        axes.text(value + top * 0.01, y, str(value), va="center", fontsize=9)
    axes.set_xlim(0, top * 1.12)
    axes.xaxis.get_major_locator().set_params(integer=True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    buffer = BytesIO()
    with warnings.catch_warnings():
        if family is None:      # already said once by cjk_font(); not a warning per missing glyph
            warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
        figure.tight_layout()
        figure.savefig(buffer, format="png")
    return buffer.getvalue()
