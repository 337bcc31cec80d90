"""How figures are written for people: one place, so page, PDF and CSV agree."""

from __future__ import annotations

import functools
import math

from .model import STATUSES


@functools.lru_cache(maxsize=8192)  # a page writes hundreds of figures, few distinct
def format_value(value: float | None, unit: str) -> str:
    """54 -> '54%'; 1.23 score -> '+1.2'; 1234 count -> '1,234'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if unit == "percent":
        return f"{value:.0f}%" if float(value).is_integer() else f"{value:.1f}%"
    if unit == "score" and value == 0:
        return "0.0"
    if unit == "score":
        return f"{value:+.2f}" if abs(value * 10 - round(value * 10)) > 1e-9 else f"{value:+.1f}"
    if unit == "difference":  # percentage points, signed
        return f"{value:+.0f} points" if float(value).is_integer() else f"{value:+.1f} points"
    if unit == "points":
        return f"{value:.1f}"
    if unit == "count":
        return f"{value:,.0f}"
    if unit == "scaled_score":
        return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
    if unit == "cva":
        return f"{value:.1f}"
    return f"{value:g}"


def format_change(change: float | None, unit: str) -> str:
    """A change between years: '+3 points', '−0.4'."""
    if change is None or (isinstance(change, float) and math.isnan(change)):
        return ""
    if change == 0:
        return "no change"
    if unit in ("percent", "difference"):
        sign = "+" if change > 0 else ("−" if change < 0 else "±")
        amount = abs(change)
        amount_text = f"{amount:.0f}" if float(amount).is_integer() else f"{amount:.1f}"
        word = "point" if amount == 1 else "points"
        return f"{sign}{amount_text} {word}"
    text = f"{change:+.1f}"
    return text.replace("-", "−")


MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def format_date(iso: str) -> str:
    """'2021-10-07' -> '7 October 2021' (a year alone, or text, as it is)."""
    parts = iso.split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts) and 1 <= int(parts[1]) <= 12:
        return f"{int(parts[2])} {MONTHS[int(parts[1]) - 1]} {parts[0]}"
    if len(parts) == 2 and all(p.isdigit() for p in parts) and 1 <= int(parts[1]) <= 12:
        return f"{MONTHS[int(parts[1]) - 1]} {parts[0]}"
    return iso


def status_label(status: str) -> str:
    return STATUSES.get(status, STATUSES["missing"]).label


def status_explanation(status: str) -> str:
    return STATUSES.get(status, STATUSES["missing"]).explanation


# First words that keep their capital inside a sentence.
PROPER_WORDS = {"English", "England", "Ofsted", "British"}


def in_sentence(name: str) -> str:
    """A name as it reads inside a sentence: 'Level 4+ in English' -> 'level 4+ in
    English'. A name starting with an acronym (KS2, FSM), a proper noun (English) or
    a title ("National Challenge": two capitalised words) keeps its capital, and
    nothing after the first letter changes."""
    words = name.split(" ", 2)
    first = words[0]
    if not first or first in PROPER_WORDS or any(c.isupper() for c in first[1:]):
        return name
    if len(words) > 1 and words[1].isdigit():  # a measure's name: Progress 8, Attainment 8
        return name
    if len(words) > 1 and words[1][:1].isupper() and first[:1].isupper():
        return name
    return name[:1].lower() + name[1:]
