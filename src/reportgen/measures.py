"""Stage 3: computed measures. Pure functions over observation frames.

Nothing here reads files or keeps state: each function takes frames (and the
registry where it needs definitions) and returns a new frame.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .model import ENGLAND, OBSERVATION_COLUMNS, concat
from .registry import Registry


def suppress_small_groups(
    obs: pd.DataFrame,
    min_pupils: int,
    partitions: list[list[str]],
    schools_la: pd.Series | None = None,
) -> pd.DataFrame:
    """Apply the small-group rule: no figure about fewer than ``min_pupils``
    pupils is published, directly or by subtraction.

    Every figure's cohort (its number of pupils) is published, a hidden
    figure's too, and some figures are sums of others: the whole cohort's
    figure is made of its groups' in each partition (disadvantaged / other;
    low / middle / high prior attainment), an LA's figure given in the data of
    its schools', and an England figure given of its LAs' (and of the schools
    of an LA without one). Taking the published parts from a published whole
    gives a figure about the pupils they leave out, so those must be none or
    at least ``min_pupils``. Figures are hidden in rounds until no subtraction
    gives one away (see ``_round``):

    - a figure about fewer than ``min_pupils`` pupils is hidden, and so is one
      of unknown size that the other parts' sizes show to be that small (or a
      whole of unknown size whose parts add up to that few);
    - where the published parts of a published whole leave out 1 to
      ``min_pupils - 1`` pupils (hidden groups, a group missing from the data,
      a group of unknown size; less what can be rebuilt of hidden parts from
      their own published parts), the smallest published part is hidden too
      (ties: partition order, then URN), or the whole where no part is left,
      and the check is made again;
    - an unpublished figure is never all that a published whole's published
      parts leave out (it could be worked out exactly, and with it what it was
      hidden to protect); in a partition, a suppressed group is never the only
      one hidden beside a published (or absent) whole cohort figure;
    - an unpublished whole keeps at least ``min_pupils`` pupils out of its
      published parts' reach, so that it cannot be rebuilt from them and used
      in another subtraction.

    Parts larger than their whole (inconsistent data) give nothing away; such
    a remainder is left. Percentages, scores and counts are treated alike: a
    remainder of pupils gives their figure away whatever the statistic.
    ``schools_la`` (URN -> LA code) ties schools to their LA's figures;
    without it only the partitions are checked.
    """
    out = obs.copy(deep=False)  # only the columns a suppression changes are copied
    if out.empty:
        return out
    ok = (out["status"] == "ok").to_numpy(copy=True)
    suppressed = (out["status"] == "suppressed").to_numpy(copy=True)
    lines = _lines(out, partitions, schools_la)
    cohort = _sizes(lines, out["cohort"].to_numpy(dtype=float))
    held_back = np.zeros(len(out), dtype=bool)
    hidden = ok & (cohort < min_pupils)
    todo, rebuilt, waiting = lines, _NONE, np.empty(0, dtype=np.int64)
    while True:
        ok &= ~hidden
        suppressed |= hidden
        held_back |= hidden
        if lines is None:
            break
        fresh = _rebuilt(lines, ok, cohort)
        if todo is None:
            # Only the lines a newly hidden figure is in can change, and those
            # with a hidden part more or less of which can be rebuilt (and
            # those left waiting): the next round looks at those alone.
            touched = np.zeros(len(lines.whole), dtype=bool)
            touched[lines.line[hidden[lines.part]]] = True
            touched |= (lines.whole >= 0) & hidden[np.maximum(lines.whole, 0)]
            changed = _changed(rebuilt, fresh)
            if changed.size:
                touched[lines.line[np.isin(lines.part, changed)]] = True
            touched[waiting] = True
            todo = lines.only(touched)
        rebuilt = fresh
        hidden, waiting = _round(todo, ok, suppressed, cohort, rebuilt, min_pupils)
        hidden &= ok
        if not hidden.any():
            break
        todo = None
    if held_back.any():
        _hide(out, out.index[held_back])
    return out


_EPS = 1e-6  # cohorts are whole numbers: a difference this small is none


@dataclass(frozen=True)
class _Lines:
    """The sums among figures, as lines: a whole and the parts it is made of.

    Rows are positions in the observation frame. ``part``, ``line`` and
    ``order`` have an entry for each part of each line; ``whole``, ``derive``,
    ``complete``, ``partition`` and ``ids`` one for each line.
    """

    part: np.ndarray  # the part's row
    line: np.ndarray  # the line it is a part of (0 .. lines - 1)
    order: np.ndarray  # which part goes first among equals: partition order, then URN
    whole: np.ndarray  # the whole's row, -1 where the data has none
    derive: np.ndarray  # a whole of unknown size is at least its parts' sum, taken as its size
    complete: np.ndarray  # the parts are all of the whole: a lone unknown one is the rest
    partition: np.ndarray  # a partition's line: a lone hidden member is never left
    ids: np.ndarray  # each line's number among all the lines

    def only(self, chosen: np.ndarray) -> _Lines:
        """The chosen lines (a mask over lines), numbered afresh."""
        keep = np.flatnonzero(chosen[self.line])
        ids, line = np.unique(self.line[keep], return_inverse=True)
        return _Lines(
            self.part[keep],
            line,
            self.order[keep],
            self.whole[ids],
            self.derive[ids],
            self.complete[ids],
            self.partition[ids],
            self.ids[ids],
        )


_NONE = (np.empty(0, dtype=np.int64), np.empty(0))


def _sizes(lines: _Lines | None, cohort: np.ndarray) -> np.ndarray:
    """Each figure's cohort: as given, or where that is blank the sum of the
    parts it is made of (a partition's groups, an LA's schools), each of known
    size, since anyone can add them up; the largest sum where two differ (a
    group missing from one partition: the whole is at least the rest). Found
    again for sums of such sums."""
    if lines is None:
        return cohort
    has = lines.whole >= 0
    sums = has & lines.derive & np.isnan(cohort[np.maximum(lines.whole, 0)])
    if not sums.any():
        return cohort
    sub = lines.only(sums)
    n = len(sub.whole)
    size = cohort.copy()
    for _ in range(8):  # areas and groups nest a few deep
        part = size[sub.part]
        known = ~np.isnan(part)
        complete = np.bincount(sub.line[~known], minlength=n) == 0
        total = np.bincount(sub.line, weights=np.where(known, part, 0.0), minlength=n)
        fresh = cohort.copy()
        np.fmax.at(fresh, sub.whole[complete], total[complete])  # fmax: NaN gives way
        if np.array_equal(fresh, size, equal_nan=True):
            break
        size = fresh
    return size


def _rebuilt(lines: _Lines, ok: np.ndarray, cohort: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each hidden figure, the most of its pupils whose figures can be
    taken out of it: its published parts', and what can be rebuilt of its
    hidden parts in turn (an LA's hidden school, of which some groups are
    published). (rows, pupils), rows sorted, for those with any.

    Where a hidden figure's cohort is known, the rounds keep at least
    ``min_pupils`` of it out of reach; where it is not, a subtraction it is a
    part of could still take these pupils away, and the rounds count them."""
    has = lines.whole >= 0
    hidden = has & ~ok[np.maximum(lines.whole, 0)]
    if not hidden.any():
        return _NONE
    sub = lines.only(hidden)
    wholes, whole_of = np.unique(sub.whole, return_inverse=True)
    size = cohort[sub.part]
    direct = np.where(ok[sub.part] & ~np.isnan(size), size, 0.0)
    at = np.minimum(np.searchsorted(wholes, sub.part), len(wholes) - 1)
    inner = (wholes[at] == sub.part) & ~ok[sub.part]  # a part that is a hidden whole too
    cap = cohort[wholes]
    pupils = np.zeros(len(wholes))
    for _ in range(8):  # areas and groups nest a few deep: England, LA, school, group
        line_total = np.bincount(
            sub.line, weights=direct + np.where(inner, pupils[at], 0.0), minlength=len(sub.whole)
        )
        best = np.zeros(len(wholes))
        np.maximum.at(best, whole_of, line_total)
        best = np.where(np.isnan(cap), best, np.minimum(best, cap))
        if np.array_equal(best, pupils):
            break
        pupils = best
    some = pupils > 0
    return wholes[some], pupils[some]


def _changed(
    before: tuple[np.ndarray, np.ndarray], after: tuple[np.ndarray, np.ndarray]
) -> np.ndarray:
    """The rows whose rebuilt pupils (see ``_rebuilt``) differ."""
    rows = np.union1d(before[0], after[0])
    return rows[_lookup(before, rows) != _lookup(after, rows)]


def _lookup(rebuilt: tuple[np.ndarray, np.ndarray], rows: np.ndarray) -> np.ndarray:
    """Rebuilt pupils of each of ``rows`` (0 for none)."""
    have, pupils = rebuilt
    if not have.size:
        return np.zeros(len(rows))
    at = np.minimum(np.searchsorted(have, rows), len(have) - 1)
    return np.where(have[at] == rows, pupils[at], 0.0)


def _round(
    lines: _Lines,
    ok: np.ndarray,
    suppressed: np.ndarray,
    cohort: np.ndarray,
    rebuilt: tuple[np.ndarray, np.ndarray],
    min_pupils: int,
) -> tuple[np.ndarray, np.ndarray]:
    """One round of checks on the lines: the rows to hide next (the rules are
    in ``suppress_small_groups``), and the lines (their ``ids``) left for a
    later round. Vectorised: national data has millions of lines, and a round
    is a few sums over them.

    A line that gives pupils away only through what can be rebuilt of a hidden
    part waits while other figures are hidden: hiding a part of that hidden
    figure (which its own line asks for) may mend it with no more hidden."""
    n = len(lines.whole)
    part, line = lines.part, lines.line
    size = cohort[part]
    known = ~np.isnan(size)
    shown = ok[part]
    unshown = ~shown  # hidden here, or never published (a missing figure has its cohort)

    def total(of: np.ndarray) -> np.ndarray:
        return np.bincount(line, weights=of, minlength=n)

    def count(where: np.ndarray) -> np.ndarray:
        return np.bincount(line[where], minlength=n)

    covered = total(np.where(shown & known, size, 0.0))
    known_sum = total(np.where(known, size, 0.0))
    unshown_sum = total(np.where(unshown & known, size, 0.0))
    n_unknown, n_shown = count(~known), count(shown)
    n_unshown, n_unshown_known = count(unshown), count(unshown & known)
    n_suppressed = count(suppressed[part])
    has = lines.whole >= 0
    whole = np.where(has, lines.whole, 0)
    given = np.where(has, cohort[whole], np.nan)  # given, or plain from parts (``_sizes``)
    left_out = given - covered  # NaN where the whole's size is unknown
    # ... and less what can be rebuilt of its hidden parts
    reach = total(np.where(unshown, _lookup(rebuilt, part), 0.0)) if rebuilt[0].size else 0.0
    beyond = left_out - reach  # the pupils no subtraction accounts for
    whole_shown, whole_unshown = has & ok[whole], has & ~ok[whole]

    def gives_away(left: np.ndarray) -> np.ndarray:
        few = left < min_pupils
        return (whole_shown & (left > _EPS) & few) | (  # a figure about 1 to min - 1 pupils
            whole_unshown & (left > -_EPS) & few & (n_shown > 0)  # a whole rebuilt
        )

    # One unpublished part, and nothing else left out: it can be worked out.
    alone = (n_unshown == 1) & (
        ((n_unshown_known == 1) & (np.abs(left_out - unshown_sum) <= _EPS))
        | ((n_unshown_known == 0) & lines.complete & ~np.isnan(given) & (n_unknown == 1))
    )
    exposed = (
        gives_away(left_out)
        | (whole_shown & alone)
        | (lines.partition & ~whole_unshown & (n_suppressed == 1) & (n_shown > 0))
    )
    new = np.zeros(len(ok), dtype=bool)
    # A part of unknown size holds at most what the others leave of the whole.
    at_most = given - known_sum
    new[part[shown & ~known & (at_most[line] < min_pupils)]] = True
    later = gives_away(beyond) & ~exposed
    if not exposed.any() and not new.any():
        exposed, later = later, later[:0]
    pick = np.flatnonzero(exposed[line] & shown)
    if pick.size:  # the smallest published part of each exposed line
        by = np.lexsort((lines.order[pick], np.where(known[pick], size[pick], np.inf), line[pick]))
        pick = pick[by]
        first = np.r_[True, line[pick][1:] != line[pick][:-1]]
        new[part[pick[first]]] = True
    # A whole whose parts are all hidden already (an LA of one school) goes itself.
    new[whole[exposed & whole_shown & (n_shown == 0)]] = True
    return new, lines.ids[later] if later.size else lines.ids[:0]


def _codes(column: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """A column's values as integers 1.. in their sorted order (0: missing),
    and the values: URNs sort as text, for the ties."""
    if (
        isinstance(column.dtype, pd.CategoricalDtype)
        and column.cat.categories.is_monotonic_increasing
    ):
        return column.cat.codes.to_numpy().astype(np.int32) + 1, column.cat.categories
    codes, uniques = pd.factorize(column.to_numpy(), sort=True)
    return codes.astype(np.int32) + 1, pd.Index(uniques)


_DIRECT = 1 << 24  # keys below this are looked up in an array (of 16 MB and more); above, hashed


def _dense(
    keys: np.ndarray, size: int, direct: bool = False
) -> tuple[np.ndarray, int, np.ndarray | None]:
    """Keys in [0, size) numbered 0.. in their order: (numbers, how many, and
    the number of every key, -1 where none, as an array). An array lookup,
    many times faster than hashing millions of keys, where ``size`` allows
    (or ``direct`` asks: a key of a few columns of few values)."""
    if size > _DIRECT and not direct:
        ids, uniques = pd.factorize(keys, sort=True)
        return ids, len(uniques), None
    present = np.zeros(size, dtype=bool)
    present[keys] = True
    table = np.cumsum(present, dtype=np.int32) - 1
    table[~present] = -1
    return table[keys], int(table.max()) + 1 if keys.size else 0, table


def _finder(keys: np.ndarray, rows: np.ndarray, size: int) -> Callable[[np.ndarray], np.ndarray]:
    """Key -> row (-1: none; the last row where the data holds a key twice)."""
    if size <= _DIRECT:
        table = np.full(size, -1, dtype=np.int64)
        table[keys] = rows  # the last of equal keys is kept
        return lambda query: table[query]
    index = pd.Index(keys)
    if not index.is_unique:
        last = ~index.duplicated(keep="last")
        index, rows = index[last], rows[last]

    def find(query: np.ndarray) -> np.ndarray:
        at = index.get_indexer(query)
        return np.where(at >= 0, rows[np.maximum(at, 0)], -1)

    return find


def _lines(
    obs: pd.DataFrame, partitions: list[list[str]], schools_la: pd.Series | None
) -> _Lines | None:
    """Every sum among the figures (see ``_Lines``), made once: the rounds only
    read them. A figure is numbered by its place (area type and area) and by
    what it is (year, measure, statistic), so that the wholes of millions of
    parts are found by array lookups; codes are 32-bit and let go once used
    (a national table has millions of rows)."""
    values, radix = {}, {}

    def codes(column: str) -> np.ndarray:
        c, values[column] = _codes(obs[column])
        radix[column] = len(values[column]) + 1
        return c

    def code(column: str, value: object) -> int:
        return int(values[column].get_indexer([value])[0]) + 1  # 0: no row holds it

    area_type, area = codes("area_type"), codes("area")
    place, n_places, place_of = _dense(
        area_type * radix["area"] + area, radix["area_type"] * radix["area"], True
    )
    school, la, england = (code("area_type", t) for t in ("school", "la", "england"))
    is_school = area_type == school if school else np.zeros(len(obs), dtype=bool)
    is_la = area_type == la if la else np.zeros(len(obs), dtype=bool)
    is_england = area_type == england if england else np.zeros(len(obs), dtype=bool)
    del area_type
    year, measure, statistic = codes("year"), codes("measure"), codes("statistic")
    what_key = (year * radix["measure"] + measure) * radix["statistic"]
    del year, measure
    what, n_whats, what_of = _dense(
        what_key + statistic, int(what_key.max()) + radix["statistic"], True
    )
    average = code("statistic", "average")
    # What a school's figure is, as an LA's or England's average.
    as_average = what_of[what_key + average] if average else np.full(len(obs), -1, np.int32)
    is_average = statistic == average if average else np.zeros(len(obs), dtype=bool)
    del what_key, statistic
    group = codes("group")
    n_groups = radix["group"]
    # (parts, their wholes, line numbers, order, derive, complete (a line's,
    # for each part, or one for all), partition)
    made: list[tuple] = []

    # The whole cohort and its groups in each partition, in every place. A
    # line for each cohort and partition, whether its whole is there or not.
    cohort_of, n_cohorts, _ = _dense(place.astype(np.int64) * n_whats + what, n_places * n_whats)
    every = code("group", "all")
    all_row = np.full(n_cohorts, -1, dtype=np.int64)
    if every:
        alls = np.flatnonzero(group == every)
        all_row[cohort_of[alls]] = alls
        del alls
    layers: list[dict[int, tuple[int, int]]] = []  # a group in two partitions: two layers
    for number, members in enumerate(partitions):
        for rank, g in enumerate(members):
            c = code("group", g)
            if c:
                free = next((m for m in layers if c not in m), None)
                if free is None:
                    layers.append(free := {})
                free[c] = (number, rank)
    for layer in layers:
        number_of = np.full(n_groups, -1, dtype=np.int64)
        rank_of = np.zeros(n_groups, dtype=np.int32)
        for c, (number, rank) in layer.items():
            number_of[c], rank_of[c] = number, rank
        mine = np.flatnonzero(number_of[group] >= 0)
        cohorts = cohort_of[mine]
        numbers = cohorts.astype(np.int64) * len(partitions) + number_of[group[mine]]
        # The parts are all of the whole only where every member of the
        # partition is there: with one missing from the data (a file that
        # gives EAL pupils but not the others), the whole is at least their
        # sum, but a lone unknown part is not the whole less the rest.
        members = np.array([len(m) for m in partitions])[number_of[group[mine]]]
        _, inverse, present = np.unique(numbers, return_inverse=True, return_counts=True)
        made.append(
            (
                mine,
                all_row[cohorts],
                numbers,
                rank_of[group[mine]] * radix["area"] + area[mine],
                True,
                present[inverse] == members,
                True,
            )
        )
        del mine, cohorts, numbers, members, inverse, present
    del cohort_of, all_row

    # An LA's figures given in the data, made of its schools' (group by group).
    schools = np.flatnonzero(is_school & (as_average >= 0))
    direct = schools  # schools summed straight into England: their LA has no figure
    la_rows = np.flatnonzero(is_la & is_average)
    if la_rows.size and schools.size and schools_la is not None and len(schools_la):
        held = schools_la[~schools_la.index.duplicated(keep="last")]
        la_area = values["area"].get_indexer(held.reindex(values["area"]).to_numpy()) + 1
        la_place = np.r_[-1, np.where(la_area > 0, place_of[la * radix["area"] + la_area], -1)]
        la_number, n_las, la_number_of = _dense(place[la_rows], n_places, True)
        size = n_las * n_whats * n_groups

        def la_key(number: np.ndarray, whats: np.ndarray, groups: np.ndarray) -> np.ndarray:
            return (number.astype(np.int64) * n_whats + whats) * n_groups + groups

        find_la = _finder(la_key(la_number, what[la_rows], group[la_rows]), la_rows, size)
        theirs = la_place[area[schools]]
        theirs = np.where(theirs >= 0, la_number_of[np.maximum(theirs, 0)], -1)
        whole = np.full(schools.size, -1, dtype=np.int64)
        has = theirs >= 0
        mine = schools[has]
        whole[has] = find_la(la_key(theirs[has], as_average[mine], group[mine]))
        found = whole >= 0
        made.append((schools[found], whole[found], None, area[schools[found]], True, True, False))
        direct = schools[~found]
        del theirs, whole, has, mine, found

    # England's figures given in the data, made of its LAs' (and of the schools
    # of an LA without a figure). Only those of known size are subtracted from:
    # the data rarely holds all of England's schools, so its size is never
    # taken as theirs.
    nation = code("area", ENGLAND)
    eng_rows = np.flatnonzero(
        is_england & is_average & (area == nation) & (nation > 0) & obs["cohort"].notna().to_numpy()
    )
    if eng_rows.size:
        find_england = _finder(
            what[eng_rows].astype(np.int64) * n_groups + group[eng_rows],
            eng_rows,
            n_whats * n_groups,
        )
        mine = np.r_[la_rows, direct]
        whole = find_england(as_average[mine].astype(np.int64) * n_groups + group[mine])
        found = whole >= 0
        made.append((mine[found], whole[found], None, area[mine[found]], False, False, False))

    made = [m for m in made if len(m[0])]
    if not made:
        return None
    part, line, whole, order, derive, complete, partition = [], [], [], [], [], [], []
    so_far = 0
    for parts, wholes, numbers, ranks, may_derive, all_of_it, is_partition in made:
        numbers = wholes if numbers is None else numbers  # LAs, England: a line a whole
        numbers, n, _ = _dense(numbers, int(numbers.max()) + 1)
        first = np.full(n, -1, dtype=np.int64)
        first[numbers] = wholes  # every part of a line has the same whole
        part.append(parts)
        line.append(numbers.astype(np.int64) + so_far)
        order.append(ranks)
        whole.append(first)
        derive.append(np.full(n, may_derive))
        every_part = np.zeros(n, dtype=bool)
        every_part[numbers] = all_of_it  # the same for every part of a line
        complete.append(every_part)
        partition.append(np.full(n, is_partition))
        so_far += n
    made.clear()
    lists = (part, line, order, whole, derive, complete, partition)
    return _Lines(*(np.concatenate(a) for a in lists), np.arange(so_far))


def _hide(obs: pd.DataFrame, index: pd.Index) -> None:
    obs.loc[index, ["value", "lower", "upper"]] = np.nan
    obs.loc[index, "status"] = "suppressed"


def weighted_benchmarks(
    obs: pd.DataFrame, schools_la: pd.Series, registry: Registry, level: str, min_cover: int
) -> pd.DataFrame:
    """LA (``level='la'``) or England figures worked out from school figures.

    Percentages and scores are averaged weighted by each school's cohort (the
    eligible pupils); counts are summed. Only figures the data does not already
    give are returned, all marked ``computed``. Suppressed figures cannot be
    included; ``cohort`` of the result is the pupils that were.

    A figure is computed only when it covers at least ``min_cover`` schools (LA)
    or LAs (England): a handful of case-study schools is not their LA, and one
    LA's schools are not England.
    """
    published = (obs["area_type"] == "school") & (obs["status"] == "ok")
    school = obs.loc[published, ["area", "year", "measure", "group", "value", "cohort"]]
    if school.empty:
        return obs.iloc[0:0]
    school["la"] = school["area"].map(schools_la)
    school["area"] = school["la"] if level == "la" else ENGLAND
    school = school[school["area"].notna() & (school["area"] != "")]
    weight = school["cohort"].where(school["cohort"] > 0)
    school["w"] = weight
    school["wv"] = school["value"] * weight
    keys = ["area", "year", "measure", "group"]
    grouped = school.groupby(keys, sort=True)
    sums = {"w": ("w", "sum"), "wv": ("wv", "sum"), "total": ("value", "sum")}
    # Counting LAs is the dearest part: only England's figures need it.
    cover = {"las": ("la", "nunique")} if level == "england" else {}
    agg = grouped.agg(**sums, mean=("value", "mean"), n=("value", "size"), **cover).reset_index()
    agg = agg[agg["las" if cover else "n"] >= min_cover]
    units = {m.id: m.unit for m in registry.measures.values()}
    is_count = agg["measure"].map(units) == "count"  # after grouping: one a figure, not a row
    weighted = (agg["wv"] / agg["w"]).where(agg["w"] > 0)
    agg["value"] = np.where(is_count, agg["total"], weighted.fillna(agg["mean"]))
    agg["cohort"] = agg["w"].where(agg["w"] > 0)
    agg["value"] = agg["value"].round(1)
    agg["area_type"] = level
    agg["statistic"] = "average"
    agg["status"] = "ok"
    agg["computed"] = True
    agg["prior"] = False
    agg["band"] = ""
    agg["lower"] = np.nan
    agg["upper"] = np.nan
    agg["source"] = "computed from " + agg["n"].astype(str) + " schools' figures"
    agg["source_row"] = 0

    given = obs.loc[obs["area_type"] == level, keys]
    if not given.empty:
        have = pd.MultiIndex.from_frame(given)
        agg = agg[~pd.MultiIndex.from_frame(agg[keys]).isin(have)]
    return agg[OBSERVATION_COLUMNS]


def with_benchmarks(
    obs: pd.DataFrame,
    schools_la: pd.Series,
    registry: Registry,
    min_schools_for_la: int = 5,
    min_las_for_england: int = 50,
) -> pd.DataFrame:
    """The observations plus computed LA and England figures where none are given."""
    la = weighted_benchmarks(obs, schools_la, registry, "la", min_schools_for_la)
    england = weighted_benchmarks(obs, schools_la, registry, "england", min_las_for_england)
    return concat([obs, la, england])


def with_predecessors(obs: pd.DataFrame, predecessor_of: dict[str, str]) -> pd.DataFrame:
    """A converted school's page carries its predecessor's results for the years
    it has none of its own (an academy that replaced a maintained school keeps
    the history parents know). The copied rows name the predecessor in their source.
    """
    if not predecessor_of:
        return obs
    # Only the schools in a link are looked at: a national table is not copied.
    school = obs["area_type"] == "school"
    mine = obs.loc[school & obs["area"].isin(set(predecessor_of)), ["area", "year"]]
    years = mine.groupby("area", observed=True)["year"].agg(set).to_dict()
    theirs = obs[school & obs["area"].isin(set(predecessor_of.values()))]
    rows_of = dict(list(theirs.groupby("area", observed=True, sort=False)))
    copies = []
    for successor, predecessor in predecessor_of.items():
        rows = rows_of.get(predecessor)
        if rows is None:
            continue
        rows = rows[~rows["year"].isin(years.get(successor, set()))]
        if rows.empty:
            continue
        rows = rows.assign(
            area=successor,
            source=f"predecessor school {predecessor}: " + rows["source"].astype(str),
        )
        copies.append(rows)
    return concat([obs, *copies]) if copies else obs


def england_centres(obs: pd.DataFrame, registry: Registry) -> pd.DataFrame:
    """England's figure for a progress measure is its centre (0, or 1000 for CVA)
    by construction; DfE files leave it blank, so it is supplied where missing."""
    centred = {m.id: m.centre for m in registry.measures.values() if m.centre is not None and m.ci}
    years = obs.loc[obs["measure"].isin(centred), ["year", "measure"]].drop_duplicates()
    given = obs[(obs["area_type"] == "england") & (obs["status"] == "ok") & (obs["group"] == "all")]
    have = set(zip(given["year"], given["measure"], strict=True))
    rows = [
        {
            "area_type": "england",
            "area": ENGLAND,
            "year": int(y),
            "measure": m,
            "group": "all",
            "statistic": "average",
            "value": float(centred[m]),
            "status": "ok",
            "cohort": np.nan,
            "lower": np.nan,
            "upper": np.nan,
            "computed": False,
            "prior": False,
            "band": "",
            "source": "national average by definition",
            "source_row": 0,
        }
        for y, m in years.itertuples(index=False, name=None)
        if (y, m) not in have and not registry.measures[m].not_calculated_in(int(y))
    ]
    blank = (
        (obs["area_type"] == "england")
        & (obs["group"] == "all")
        & obs["measure"].isin(centred)
        & (obs["status"] != "ok")
    )
    out = obs[~blank] if blank.any() else obs  # not copied when nothing goes
    return concat([out, pd.DataFrame(rows, columns=OBSERVATION_COLUMNS)]) if rows else out


def by_definition(obs: pd.DataFrame, registry: Registry) -> pd.DataFrame:
    """England's figures that are definitions, not results, marked so.

    A progress score compares pupils with pupils nationally who started from
    the same point, so England's score is 0 by construction (for all pupils
    and for each prior-attainment group), as is its "disadvantaged pupils
    against other pupils nationally" gap. DfE's files write those 0s (and
    intervals of 0 to 0) on England's rows; a page must not present them as
    England's performance beside the school's. Figures England actually has
    (state-funded schools' Progress 8 of −0.03) are left as they are.
    """
    rules = {
        m.id: (set(m.england_by_definition), m.centre or 0.0) for m in registry.measures.values()
    }
    rules = {m: r for m, r in rules.items() if r[0]}
    if not rules:
        return obs
    england = obs["area_type"] == "england"
    picked = england & obs["measure"].isin(set(rules))
    if not picked.any():
        return obs
    part = obs.loc[picked, ["measure", "group", "value", "lower", "upper"]]
    defined, centres = [], []
    for measure, group, value in part[["measure", "group", "value"]].itertuples(
        index=False, name=None
    ):  # England's rows: a few hundred
        allowed, centre = rules[measure]
        at_centre = value != value or abs(value - centre) < 1e-9  # blank, or the centre
        defined.append(group in allowed and at_centre)
        centres.append(centre)
    defined = np.array(defined, dtype=bool)
    # An interval of 0 to 0 on England's row is no interval.
    empty = ((part["lower"] == part["upper"]) & part["lower"].notna()).to_numpy()
    out = obs.copy(deep=False)
    out.loc[part.index[empty], ["lower", "upper"]] = np.nan
    out.loc[part.index[defined], "value"] = np.array(centres)[defined]
    out.loc[part.index[defined], "status"] = "by_definition"
    return out


def not_calculated(obs: pd.DataFrame, registry: Registry) -> pd.DataFrame:
    """Figures of a year a measure was not calculated in (KS2 progress in 2023/24
    and 2024/25, Progress 8 in 2024/25 and 2025/26) marked "not_calculated":
    DfE's files leave them empty or write NA, which would otherwise read as
    "no data" or "not applicable". A figure that has a value is kept."""
    rules = {m.id: m for m in registry.measures.values() if m.not_calculated}
    if not rules:
        return obs
    picked = obs["measure"].isin(set(rules)) & (obs["status"] != "ok")
    if not picked.any():
        return obs
    part = obs.loc[picked, ["measure", "year"]]
    pairs = part.drop_duplicates()
    off = {
        (m, int(y))
        for m, y in pairs.itertuples(index=False, name=None)
        if rules[m].not_calculated_in(int(y))
    }
    if not off:
        return obs
    hit = pd.Series(
        [(m, int(y)) in off for m, y in part.itertuples(index=False, name=None)], index=part.index
    )
    out = obs.copy(deep=False)
    out.loc[hit[hit].index, "status"] = "not_calculated"
    return out


def gaps(obs: pd.DataFrame, registry: Registry) -> pd.DataFrame:
    """Gap between each group and the group it is compared with, per area and year.

    gap = group's figure − comparison group's figure, for measures marked
    ``gaps: true``. A gap exists only when both figures are published; otherwise
    it carries the status of the missing one (so a suppressed group stays
    suppressed, never 0).
    """
    gap_measures = [m.id for m in registry.measures.values() if m.gaps]
    pairs = {g.id: g.compare_with for g in registry.groups.values() if g.compare_with}
    base = obs[
        obs["measure"].isin(gap_measures)
        & obs["group"].isin(set(pairs) | set(pairs.values()))
        & (obs["statistic"] != "median")
    ]
    keys = ["area_type", "area", "year", "measure"]
    rows = []
    for group, other in pairs.items():
        a = base[base["group"] == group]
        b = base[base["group"] == other]
        if a.empty or b.empty:
            continue
        merged = a.merge(b, on=keys, suffixes=("", "_other"))
        value = merged["value"] - merged["value_other"]
        status = np.where(
            merged["status"] != "ok",
            merged["status"],
            np.where(merged["status_other"] != "ok", merged["status_other"], "ok"),
        )
        rows.append(
            pd.DataFrame(
                {
                    **{k: merged[k] for k in keys},
                    "group": group,
                    "compared_with": other,
                    "value": value.where(status == "ok").round(1),
                    "status": status,
                    "group_value": merged["value"],
                    "other_value": merged["value_other"],
                    "computed": merged["computed"] | merged["computed_other"],
                }
            )
        )
    if not rows:
        return pd.DataFrame(columns=[*keys, "group", "compared_with", "value", "status"])
    return pd.concat(rows, ignore_index=True)


def significance(value: float, lower: float, upper: float, centre: float = 0.0) -> str:
    """'above', 'below' or 'average': whether the interval lies wholly one side of the centre."""
    if any(np.isnan(x) for x in (value, lower, upper)):
        return ""
    if lower > centre:
        return "above"
    if upper < centre:
        return "below"
    return "average"


def band(value: float, lower: float, upper: float, centre: float, well: float | None) -> str:
    """DfE's five bands from a score and its interval.

    Significantly above (below) the centre is "above" ("below") average; when
    the measure sets a ``well`` distance (Progress 8: 0.5) a significant score
    at least that far from the centre is "well above" ("well below") average.
    Without such a distance only the three significance bands are given.
    """
    sig = significance(value, lower, upper, centre)
    if sig in ("", "average") or well is None:
        return {"above": "above average", "below": "below average", "average": "average"}.get(
            sig, ""
        )
    if sig == "above":
        return "well above average" if value - centre >= well else "above average"
    return "well below average" if centre - value >= well else "below average"


def trend(values: dict[int, float], no_results: set[int] | frozenset = frozenset()) -> dict:
    """Change over the years held: on the year before, and since the first.

    Neither bridges a year without results (2019/20 and 2020/21): "on the year
    before" needs the year just before, and "since the first" counts from the
    first year after the latest such gap.
    """
    years = sorted(y for y, v in values.items() if v is not None and not np.isnan(v))
    if years:
        gaps = [y for y in no_results if y < years[-1]]
        if gaps:
            years = [y for y in years if y > max(gaps)]
    if len(years) < 2:
        return {"first_year": years[0] if years else None, "change": None, "last_change": None}
    first, last = years[0], years[-1]
    before = last - 1
    return {
        "first_year": first,
        "change": round(values[last] - values[first], 1),
        "last_change": round(values[last] - values[before], 1) if before in years else None,
    }
