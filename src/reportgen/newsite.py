"""``new site DIR --la CODE``: a fresh project folder for one LA's own site.

It holds an empty ``data/`` (with a README saying what to drop in) and a
``content/`` with that LA's settings, a commentary page to write, and the
good-practice case-study library. Nothing of the project's sample (the
fictional Riverford) goes into it. The templates stay the project's: the
build finds them wherever it is run from.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from .errors import InputError, suggest
from .load import reference_las
from .model import LocalAuthority

PLACEHOLDER = "[Replace:"  # a value still to fill in: a build warns while one is left
LIBRARY = ("case-studies", "pages", "themes.yml", "glossary.yml")


def new_site(folder: Path, code: str, publisher: str | None, library: Path) -> LocalAuthority:
    """Write the project folder; the LA it is for."""
    las = reference_las()
    la = las.get(code.strip())
    if la is None:
        by_name = {la.name.lower(): la.code for la in las.values()}
        hint = by_name.get(code.strip().lower()) or suggest(code, set(las))
        raise InputError(
            f"--la {code}: not an LA code DfE lists (three digits, such as 850 for Hampshire)"
            + (f"; did you mean {hint} ({las[hint].name})?" if hint in las else "")
        )
    if folder.exists() and any(folder.iterdir()):
        raise InputError(f"{folder}: the folder is not empty; give a new folder for the site")
    data, content = folder / "data", folder / "content"
    data.mkdir(parents=True, exist_ok=True)
    (content / "la").mkdir(parents=True)
    (data / "README.md").write_text(DATA_README.format(la=la.name, code=la.code), "utf-8")
    (content / "site.yml").write_text(site_yml(la, publisher), "utf-8")
    (content / "la" / f"{la.code}.md").write_text(COMMENTARY.format(la=la.name), "utf-8")
    for name in LIBRARY:
        source = library / name
        if source.is_dir():
            shutil.copytree(source, content / name)
        elif source.is_file():
            shutil.copy2(source, content / name)
    return la


def site_yml(la: LocalAuthority, publisher: str | None) -> str:
    who = publisher.replace('"', "'") if publisher else f"{PLACEHOLDER} the council's name]"
    return SITE_YML.format(la=la.name, publisher=who, mark=PLACEHOLDER)


def placeholders_left(site: dict, path: Path) -> list[str]:
    """The settings still holding a [Replace: ...] value, each named."""
    left = []

    def walk(node: object, key: str) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, f"{key}.{k}" if key else str(k))
        elif isinstance(node, str) and node.startswith(PLACEHOLDER):
            left.append(f"{path}, key {key}: still the placeholder {node!r}; replace it")

    walk(site, "")
    return left


SITE_YML = """\
# Settings of {la}'s School Report Cards. Replace every value marked
# "{mark} ...]" before you publish: a build warns while one is left.
title: School Report Cards for {la}
publisher: "{publisher}"
tagline: >-
  A report card for every school in {la}: how pupils did, how far they
  progressed, attendance, Ofsted's latest inspection, and how each school
  compares with {la} and England.
# The address the site will be published at, e.g. https://www.example.gov.uk/report-cards/
# (used for the sitemap and the address printed on each PDF card).
base_url: /
published: "{mark} when and by whom, e.g. December 2026, the Education Data Team]"
footer: "{mark} a line for the foot of every page, e.g. Questions? Email data@example.gov.uk]"
language: en-GB
branding:
  primary: "#1d4f91"   # the council's colour; it must pass WCAG AA contrast with white
  accent: "#ffdd00"
  logo: ""             # a logo file in this folder, e.g. logo.png
suppression:
  min_pupils: 6          # figures about fewer pupils are not published
  min_survey_responses: 10
benchmarks:
  min_schools_for_la: 5
  min_las_for_england: 50
family_size: 15          # similar schools shown for each school
"""

COMMENTARY = """\
---
title: {la}'s commentary
---
[Replace: a few paragraphs from the council about its schools' results this
year: what went well, where it is working with schools, and where parents can
find out more. This is shown on the {la} page.]
"""

DATA_README = """\
# Data for {la}'s report cards

Drop the files here exactly as you download them; there is nothing to rename
or edit. Folders are fine: DfE's download puts each year's files in a folder
named for the year (2024-2025/), and that is how reportgen tells a file's year
when its columns do not say it. A build prints the year it took for each file.

- **Performance tables** from DfE's "Compare school and college performance"
  download for LA {code}: `{code}_ks2final.csv`, `{code}_ks4final.csv` (or
  `..._ks4provisional.csv`), one folder per year, for as many years as you
  have. Their dictionaries (`ks2_meta.csv`, `ks4_meta.csv`) may sit beside them.
- **Pupils and attendance** from the same download: `{code}_census.csv` (pupils
  on roll, free school meals, English as an additional language, SEN) and
  `{code}_abs.csv` (overall and persistent absence).
- **Schools**: `{code}_school_information.csv` (or `{code}_spine.csv`) from the same
  download, or a Get Information About Schools extract of your LA
  (`edubasealldata....csv`): names, addresses, websites, open or closed.
- **Ofsted**: Ofsted's management information for state-funded schools
  ("inspections and outcomes", a CSV), as published: the whole file is fine.

Then run the build command that `new site` printed. `python3 build.py check
--data THIS_FOLDER --content ../content` lists any problem, with the file,
row and column, without writing a site.
"""
