"""Chart geometry for inline SVG, worked out at build time.

Each function returns plain data (coordinates, labels, a text alternative)
that ``templates/charts.html`` draws; templates compute nothing. Series are
told apart by marker shape and line dash as well as colour, so charts read in
greyscale and print, and the colours (Okabe-Ito) are colour-blind safe. Every
chart has a sentence of alternative text and sits beside a table of its numbers.
"""

from __future__ import annotations

import functools
import math

from .formatting import format_value

# (colour, marker, dash): this school, LA, England, family.
STYLES = [
    ("#0072B2", "circle", ""),
    ("#D55E00", "square", "6 3"),
    ("#000000", "triangle", "2 3"),
    ("#009E73", "diamond", "8 3 2 3"),
]


def _scale(lo: float, hi: float, size: float, pad: float = 0.0):
    span = (hi - lo) or 1.0
    return lambda v: pad + (v - lo) / span * size


def _n(v: float) -> str:
    """A coordinate as SVG path data writes it: to 0.1 px, no trailing zeros."""
    return f"{round(v, 1):g}"


def marker_path(shape: str, x: float, y: float) -> str:
    """Path data of one marker centred on (x, y). A line's markers are one path,
    not an element each: a page has dozens, and each element is drawn by the
    template at a cost."""
    if shape == "circle":  # radius 4: two half circles
        return f"M{_n(x - 4)},{_n(y)}a4,4 0 1,0 8,0a4,4 0 1,0 -8,0Z"
    if shape == "square":  # 7 by 7
        return f"M{_n(x - 3.5)},{_n(y - 3.5)}h7v7h-7Z"
    if shape == "triangle":
        return f"M{_n(x)},{_n(y - 5)}L{_n(x + 4.5)},{_n(y + 3.5)}L{_n(x - 4.5)},{_n(y + 3.5)}Z"
    return f"M{_n(x)},{_n(y - 5)}L{_n(x + 5)},{_n(y)}L{_n(x)},{_n(y + 5)}L{_n(x - 5)},{_n(y)}Z"


def _nice_ticks(lo: float, hi: float, count: int = 4) -> list[float]:
    span = hi - lo or 1.0
    step = 10 ** math.floor(math.log10(span / count))
    for mult in (1, 2, 5, 10):
        if span / (step * mult) <= count:
            step *= mult
            break
    first = math.floor(lo / step) * step
    ticks, v = [], first
    while v <= hi + step * 0.01:
        ticks.append(round(v, 6))
        v += step
    return ticks


def trend_chart(
    title: str, years: list[str], series: list[dict], unit: str, breaks: list[int] = ()
) -> dict | None:
    """Lines over the years. ``series``: [{"label", "values": [float|None per year]}].

    ``breaks`` are the places of years without results (2019/20, 2020/21): no
    line crosses them, and a shaded band names them.
    """
    values = [v for s in series for v in s["values"] if v is not None]
    if len(years) < 2 or len([v for v in series[0]["values"] if v is not None]) < 2:
        return None
    lo, hi = min(values), max(values)
    if unit == "percent":
        lo, hi = max(0.0, lo - 5), min(100.0, hi + 5)
    else:
        margin = (hi - lo) * 0.15 or 1.0
        lo, hi = lo - margin, hi + margin
    ticks = _nice_ticks(lo, hi)
    lo, hi = min(lo, ticks[0]), max(hi, ticks[-1])
    width, height, left, top, plot_w, plot_h = 480, 220, 48, 12, 400, 160
    x = _scale(0, len(years) - 1, plot_w, left)
    y_raw = _scale(lo, hi, plot_h)
    y = lambda v: top + plot_h - y_raw(v)  # noqa: E731
    lines = []
    for i, s in enumerate(series):
        colour, marker, dash = STYLES[i % len(STYLES)]
        points = [
            (round(x(j), 1), round(y(v), 1), format_value(v, unit))
            for j, v in enumerate(s["values"])
            if v is not None
        ]
        # One path of line segments, broken where a year without results lies between.
        runs: list[list[tuple]] = [[]]
        for j, v in enumerate(s["values"]):
            if j in breaks:
                runs.append([])
            elif v is not None:
                runs[-1].append((round(x(j), 1), round(y(v), 1)))
        lines.append(
            {
                "label": s["label"],
                "colour": colour,
                "marker": marker,
                "dash": dash,
                "points": points,
                "path": " ".join(
                    "M" + " L".join(f"{px:g},{py:g}" for px, py in run)
                    for run in runs
                    if len(run) > 1
                ),
                "markers": "".join(marker_path(marker, px, py) for px, py, _ in points),
                "key": marker_path(marker, 14, 6),  # in the legend
            }
        )
    band = None
    if breaks:
        step = x(1) - x(0)
        band = {
            "x": round(x(min(breaks)) - step / 2, 1),
            "width": round(step * (max(breaks) - min(breaks) + 1), 1),
            "text_x": round((x(min(breaks)) + x(max(breaks))) / 2, 1),
            "text": "No results",
        }
    latest = series[0]["values"][-1]
    alt = (
        f"{title}: "
        + "; ".join(
            f"{s['label']} "
            + ", ".join(
                f"{yr} {format_value(v, unit)}"
                for yr, v in zip(years, s["values"], strict=True)
                if v is not None
            )
            for s in series
        )
        + "."
        + (
            f" No results were published for {' and '.join(years[j] for j in breaks)}."
            if breaks
            else ""
        )
    )
    return {
        "kind": "trend",
        "title": title,
        "width": width,
        "height": height,
        "alt": alt,
        "x_labels": [{"x": round(x(j), 1), "text": yr} for j, yr in enumerate(years)],
        "y_ticks": [
            {"y": round(y(t), 1), "text": format_value(t, unit)} for t in ticks if lo <= t <= hi
        ],
        "left": left,
        "right": left + plot_w,
        "top": top,
        "bottom": top + plot_h,
        "lines": lines,
        "latest": latest,
        "band": band,
    }


def interval_chart(title: str, rows: list[dict], centre: float, unit: str) -> dict | None:
    """Scores with 95% confidence whiskers around the centre (0 = national average)."""
    rows = [r for r in rows if r["value"] is not None and r["lower"] is not None]
    if not rows:
        return None
    extent = max(abs(v - centre) for r in rows for v in (r["lower"], r["upper"], r["value"]))
    extent = max(extent * 1.1, 1.0)
    width, left, plot_w, row_h = 480, 20, 440, 44  # label above each whisker
    x = _scale(centre - extent, centre + extent, plot_w, left)
    items = []
    for i, r in enumerate(rows):
        items.append(
            {
                "label": r["label"],
                "y": 30 + i * row_h,
                "x": round(x(r["value"]), 1),
                "x_lo": round(x(r["lower"]), 1),
                "x_hi": round(x(r["upper"]), 1),
                "text": f"{format_value(r['value'], unit)} ({format_value(r['lower'], unit)} to "
                f"{format_value(r['upper'], unit)})",
            }
        )
    alt = (
        f"{title}: "
        + "; ".join(f"{i['label']} {i['text']}" for i in items)
        + (f". The line marks the national average of {format_value(centre, unit)}.")
    )
    return {
        "kind": "interval",
        "title": title,
        "width": width,
        "height": 40 + len(rows) * row_h,
        "centre_x": round(x(centre), 1),
        "entries": items,
        "alt": alt,
        "ends": [
            {"x": left, "text": format_value(centre - extent, unit)},
            {"x": left + plot_w, "text": format_value(centre + extent, unit)},
        ],
    }


def gap_chart(title: str, rows: list[dict], unit: str) -> dict | None:
    """Horizontal bars from zero: negative gaps to the left."""
    rows = [r for r in rows if r["value"] is not None]
    if not rows:
        return None
    extent = max(max(abs(r["value"]) for r in rows) * 1.15, 1.0)
    width, left, plot_w, row_h = 480, 215, 190, 26
    x = _scale(-extent, extent, plot_w, left)
    zero = x(0)
    bars = []
    for i, r in enumerate(rows):
        end = x(r["value"])
        bars.append(
            {
                "label": r["label"],
                "y": 10 + i * row_h,
                "x": round(min(zero, end), 1),
                "w": round(abs(end - zero), 1),
                "negative": r["value"] < 0,
                "text": format_value(r["value"], "difference" if unit == "percent" else unit),
                "text_x": left + plot_w + 8,
            }
        )
    alt = f"{title}: " + "; ".join(f"{b['label']} {b['text']}" for b in bars) + "."
    return {
        "kind": "gaps",
        "title": title,
        "width": width,
        "height": 20 + len(rows) * row_h,
        "zero": round(zero, 1),
        "bars": bars,
        "alt": alt,
    }


def scatter_chart(
    title: str,
    points: list[dict],
    x_label: str,
    y_label: str,
    x_unit: str,
    y_unit: str,
    x_mid: float,
    y_mid: float,
) -> dict | None:
    """Schools by attainment (x) and progress (y), with the England lines as quadrants."""
    points = [p for p in points if p["x"] is not None and p["y"] is not None]
    if len(points) < 3:
        return None
    xs, ys = [p["x"] for p in points] + [x_mid], [p["y"] for p in points] + [y_mid]
    x_lo, x_hi = min(xs), max(xs)
    y_lo, y_hi = min(ys), max(ys)
    pad_x, pad_y = (x_hi - x_lo) * 0.05 or 1, (y_hi - y_lo) * 0.05 or 1
    width, height, left, top, plot_w, plot_h = 480, 320, 52, 12, 410, 260
    x = _scale(x_lo - pad_x, x_hi + pad_x, plot_w, left)
    y_raw = _scale(y_lo - pad_y, y_hi + pad_y, plot_h)
    y = lambda v: top + plot_h - y_raw(v)  # noqa: E731
    dots = [
        {
            "x": round(x(p["x"]), 1),
            "y": round(y(p["y"]), 1),
            "label": p["label"],
            "flag": p.get("flag", False),
        }
        for p in points
    ]
    flagged = [p["label"] for p in points if p.get("flag")]
    alt = (
        f"{title}: {len(points)} schools. Those to the right did better than England on "
        f"{x_label.lower()}; those above made more progress than England."
    )
    if flagged:
        alt += " Marked with a cross: " + ", ".join(flagged) + "."
    return {
        "kind": "scatter",
        "title": title,
        "width": width,
        "height": height + 30,
        "alt": alt,
        "left": left,
        "right": left + plot_w,
        "top": top,
        "bottom": top + plot_h,
        "x_mid": round(x(x_mid), 1),
        "y_mid": round(y(y_mid), 1),
        "dots": dots,
        "x_label": x_label,
        "y_label": y_label,
        "x_ends": [format_value(x_lo - pad_x, x_unit), format_value(x_hi + pad_x, x_unit)],
        "y_ends": [format_value(y_lo - pad_y, y_unit), format_value(y_hi + pad_y, y_unit)],
    }


def strip_chart(title: str, values: list[float], this: float, unit: str) -> dict | None:
    """Every school of the LA as a tick on one line, this school marked."""
    if len(values) < 3 or this is None:
        return None
    lo, hi = min(values + [this]), max(values + [this])
    width, left, plot_w = 480, 20, 440
    x = _scale(lo, hi, plot_w, left)
    ticks, ticks_path = _strip_ticks(tuple(values), lo, hi, plot_w, left)
    below = sum(v < this for v in values)
    alt = (
        f"{title}: this school's {format_value(this, unit)} against {len(values)} schools "
        f"from {format_value(lo, unit)} to {format_value(hi, unit)}; {below} are lower."
    )
    return {
        "kind": "strip",
        "title": title,
        "width": width,
        "height": 70,
        "alt": alt,
        "ticks": ticks,
        "ticks_path": ticks_path,
        "this_x": round(x(this), 1),
        "this_marker": marker_path("triangle", x(this), 14),
        "this_text": format_value(this, unit),
        "ends": [
            {"x": left, "text": format_value(lo, unit)},
            {"x": left + plot_w, "text": format_value(hi, unit)},
        ],
    }


@functools.lru_cache(maxsize=256)
def _strip_ticks(
    values: tuple[float, ...], lo: float, hi: float, plot_w: float, left: float
) -> tuple[list[float], str]:
    """A strip's ticks, one a school, and as path data: the same for every
    school of the LA (its own figure is one of them), so made once."""
    x = _scale(lo, hi, plot_w, left)
    return [round(x(v), 1) for v in values], "".join(f"M{_n(x(v))},22V38" for v in values)
