"""DfE's files exactly as downloaded, each recognised by its header.

- ``tables``: the KS2 and KS4 performance tables, year by year;
- ``pupils``: the school census and absence files of the same download;
- ``schools``: Get Information About Schools extracts and DfE's school list (spine);
- ``years``: which year a file is for, from its columns or its name.

The formats are described in ``rules/dfe-formats.yml``, so a new year's
columns are a YAML change.
"""

from __future__ import annotations

from ..registry import Registry
from .pupils import read_pupil_figures
from .schools import GIAS_REQUIRED, read_gias, read_spine
from .tables import format_for, known_names, read_performance_tables
from .years import FileYear, file_year

__all__ = [
    "FileYear",
    "detect",
    "file_year",
    "format_for",
    "read_gias",
    "read_performance_tables",
    "read_pupil_figures",
    "read_spine",
]


def detect(header: set[str], registry: Registry) -> str | None:
    """The DfE file kind whose columns the header has, or None."""
    upper = {h.upper() for h in header}
    for fid, fmt in registry.dfe_formats.items():
        if {c.upper() for c in fmt["required"]} <= upper and upper & known_names(fmt, "any_of"):
            return fid
    if header >= GIAS_REQUIRED:
        return "gias"
    for kind, spec in registry.dfe_files.items():
        required = {c.upper() for c in spec.get("required", [])}
        any_of = {c.upper() for c in spec.get("any_of", [])}
        if required and required <= upper and (not any_of or upper & any_of):
            return f"dfe_{kind}"
    return None
