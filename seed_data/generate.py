"""Deterministic generator of the demo organisation (and of benchmark-size ones) as canonical CSV files.

    python -m seed_data.generate [--scale N] [--out DIR] [--today YYYY-MM-DD] [--seed S] [--preset bench]

Everything is drawn from numpy Generators seeded with (seed, name of the step), so one step can
change without reshuffling the others, and the same --today, --scale and --seed give byte-identical
files. Every date is relative to --today: the 13 ISO weeks ending with the last complete week
before it (the window the metrics engine scores) always hold the planted stories. docs/formats.md
("Demo organisation") describes what is planted and why.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import zlib
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from seed_data import vocab
from seed_data.profiles import (
    CLASS_OF,
    CLASS_SHARES,
    CSAT_TARGET_BASE,
    INDUSTRY_GROWTH,
    PLANTED,
    PRESETS,
    SPIKES,
    Size,
    size_for_scale,
)

DEMO_DIR = Path(__file__).resolve().parent / "demo"
FILES = (
    "departments",
    "supervisors",
    "reps",
    "assignments",
    "customers",
    "bookings",
    "targets",
    "plans",
    "activities",
    "training",
    "exams",
    "surveys",
    "rep_ratings",
    "supervisor_ratings",
    "csat_targets",
    "complaints",
    "contacts",
)

NEVER = 10**7  # a day number beyond any data: "not left", "never moved"
_EPOCH = date(1970, 1, 1)
_KEY = 1 << 24  # slot * _KEY + day packs (slot, day) into one sortable integer
# Bookings run higher at the end of the year, as sales plans close (index 0 = January).
SEASON = np.array([0.85, 0.8, 1.0, 0.95, 1.0, 1.05, 0.95, 0.9, 1.05, 1.0, 1.1, 1.35])
PASS_MARK = 60
LEG_WEEKS = 13
# Calls to the call center by hour of day: office hours, a lunch dip, a quiet night.
HOUR_WEIGHTS = np.array([0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.4, 0.8, 1.6, 2.4, 2.6, 2.3])
HOUR_WEIGHTS = np.r_[HOUR_WEIGHTS, [1.6, 1.8, 2.3, 2.4, 2.2, 1.8, 1.3, 1.0, 0.8, 0.6, 0.4, 0.3]]
_EVERYONE = 99  # activity size meaning "the whole team, minus absences"


# --- small helpers ---------------------------------------------------------------------------


def day_number(d: date) -> int:
    return (d - _EPOCH).days


def day_of(n: int) -> date:
    return _EPOCH + timedelta(days=int(n))


def iso_week(d: date) -> str:
    year, week, _ = d.isocalendar()
    return f"{year}-W{week:02d}"


def _dates(days: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(np.asarray(days, dtype="int64").astype("datetime64[D]"))


def _datetimes(seconds: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(np.asarray(seconds, dtype="int64").astype("datetime64[s]"), unit="s")


def _codes(prefix: str, count: int, width: int) -> np.ndarray:
    width = max(width, len(str(count)))
    return np.array([f"{prefix}{i:0{width}d}" for i in range(1, count + 1)], dtype=object)


def _month_index(days: np.ndarray) -> np.ndarray:
    """Months since January 1970 of each day number."""
    return np.asarray(days, dtype="int64").astype("datetime64[D]").astype("datetime64[M]").astype("int64")


def _month_first(months: np.ndarray) -> np.ndarray:
    return np.asarray(months, dtype="int64").astype("datetime64[M]").astype("datetime64[D]").astype("int64")


def _weekday(days: np.ndarray) -> np.ndarray:
    """Monday = 0 (1 January 1970 was a Thursday)."""
    return (np.asarray(days) + 3) % 7


def _to_weekday(days: np.ndarray) -> np.ndarray:
    """Saturdays and Sundays moved back to the Friday: B2B business happens on working days."""
    wd = _weekday(days)
    return days - np.where(wd >= 5, wd - 4, 0)


def _dither(rates: np.ndarray, groups: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Whole counts per row whose running total tracks the running total of `rates` within a group.

    Rows must be sorted by group and then by order; any run of consecutive rows of a group then
    totals its expected value within ±1, which keeps planted shares exact in every window.
    """
    cum = np.cumsum(rates)
    starts = np.r_[0, np.flatnonzero(np.diff(groups)) + 1]
    first = np.repeat(starts, np.diff(np.r_[starts, len(groups)]))
    before = np.where(first > 0, cum[first - 1], 0.0)
    running = cum - before + offsets
    previous = running - rates
    return (np.floor(running) - np.floor(previous)).astype("int64")


def _regular(first: np.ndarray, last: np.ndarray, every: np.ndarray, rng: np.random.Generator, jitter: float):
    """Events every `every` days from `first` to `last` per row (with jitter): (row index, day)."""
    count = np.where(last >= first, (last - first) // every + 1, 0).astype("int64")
    rows = np.repeat(np.arange(len(first)), count)
    k = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    j = np.maximum((every * jitter).astype("int64"), 0)[rows]
    days = first[rows] + k * every[rows] + rng.integers(-j, j + 1)
    return rows, np.clip(days, first[rows], last[rows])


def _rng(seed: int, name: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


Column = Callable[[int, int], Sequence]


def _take(values: Sequence | np.ndarray) -> Column:
    """A column that is already formatted."""
    return lambda lo, hi: values[lo:hi]


def _ids(prefix: str, width: int) -> Column:
    return lambda lo, hi: [f"{prefix}{i:0{width}d}" for i in range(lo + 1, hi + 1)]


def _fmt(values: np.ndarray, fmt: Callable[[np.ndarray], np.ndarray]) -> Column:
    """A column formatted one chunk at a time, so that millions of rows never sit in memory as text."""
    return lambda lo, hi: fmt(values[lo:hi])


def _write_csv(path: Path, rows: int, columns: dict[str, Column], chunk: int = 200_000) -> int:
    """Write `rows` rows of the given columns as UTF-8 CSV (LF line ends); returns rows written."""
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(columns) + "\n")
        for lo in range(0, rows, chunk):
            hi = min(rows, lo + chunk)
            part = pd.DataFrame({name: column(lo, hi) for name, column in columns.items()})
            part.to_csv(fh, header=False, index=False, lineterminator="\n")
    os.replace(tmp, path)
    return rows


# --- the builder -----------------------------------------------------------------------------


class _Org:
    """Builds one organisation step by step; `write` streams it to a folder."""

    def __init__(self, size: Size, today: date, seed: int, scale: float, preset: str | None) -> None:
        self.size, self.today, self.seed, self.scale, self.preset = size, today, seed, scale, preset
        self._calendar()
        self._departments()
        self._supervisors()
        self._slots()
        self._reps()
        self._customers()
        self._bookings()
        self._targets()
        self._plans()
        self._activities()
        self._training()
        self._exams()
        self._surveys()
        self._ratings()
        self._contacts()
        self._complaint_plan()

    # calendar ------------------------------------------------------------------------------

    def _calendar(self) -> None:
        today = self.today
        self.T = day_number(today)
        # The last complete ISO week before today ends on the Sunday before it.
        self.window_end = today - timedelta(days=today.isoweekday())
        self.window_start = self.window_end - timedelta(days=7 * LEG_WEEKS - 1)
        self.WE, self.WS = day_number(self.window_end), day_number(self.window_start)
        # Hires, departures and moves stay clear of the window's months, so every reading of
        # "who was in the team" agrees inside it.
        self.EB = day_number(self.window_start.replace(day=1)) - 7
        if self.size.span_months:
            m = today.year * 12 + today.month - 1 - (self.size.span_months - 1)
            start = date(m // 12, m % 12 + 1, 1)
        else:
            start = date(today.year - 2, 1, 1)
        self.start = start
        self.ST = day_number(start)
        self.month_lo = int(_month_index(np.array([self.ST]))[0])
        self.month_hi = int(_month_index(np.array([self.T]))[0])

    # organisation --------------------------------------------------------------------------

    def _departments(self) -> None:
        n = self.size.departments
        n_bank = n // 2
        self.dep_segment = np.array(["bank"] * n_bank + ["non_bank"] * (n - n_bank), dtype=object)
        if n == 4:
            names = list(vocab.DEPARTMENT_NAMES_4)
        else:
            names = [f"银行{vocab.chinese_number(i + 1)}部" for i in range(n_bank)]
            for i in range(n - n_bank):
                kind = "企业客户" if i % 2 == 0 else "政企客户"
                names.append(f"{kind}{vocab.chinese_number(i // 2 + 1)}部")
        self.dep_name = np.array(names, dtype=object)
        self.dep_code = _codes("D", n, 2)

    def _supervisors(self) -> None:
        size = self.size
        n = size.supervisors
        self.sup_dep = (np.arange(n) * size.departments) // n
        self.sup_code = _codes("S", n, 2)
        self.profiles = [PLANTED[i % len(PLANTED)] for i in range(n)]
        rng = _rng(self.seed, "people")
        names = vocab.people_names(rng, n + size.reps + size.reps // 3)
        self.sup_name = np.array(names[:n], dtype=object)
        self._rep_name_pool = names[n:]
        base, extra = divmod(size.reps, n)
        self.team_size = np.full(n, base) + (np.arange(n) < extra)
        self.sup_att = np.array([p.attainment for p in self.profiles])
        self.sup_csat = np.array([p.csat for p in self.profiles])
        rng = _rng(self.seed, "team-factor")
        self.sup_factor = rng.uniform(0.8, 1.25, n) * np.where(
            self.dep_segment[self.sup_dep] == "bank", 1.25, 1.0
        )

    def _slots(self) -> None:
        """A slot is one position in a team: its customers stay with it when its rep is replaced."""
        rng = _rng(self.seed, "slots")
        self.slot_sup = np.repeat(np.arange(self.size.supervisors), self.team_size)
        n_slots = len(self.slot_sup)
        starts = np.cumsum(self.team_size) - self.team_size
        self.slot_pos = np.arange(n_slots) - np.repeat(starts, self.team_size)
        heads = np.array([len(p.shares) for p in self.profiles])
        self.slot_star = self.slot_pos < heads[self.slot_sup]
        self.slot_move = np.full(n_slots, -NEVER)  # day of the move into slot_sup
        self.slot_from = self.slot_sup.copy()
        sups_per_dep = np.bincount(self.sup_dep, minlength=self.size.departments)
        first, last = self.ST + 90, self.WE - 380
        candidates = np.flatnonzero(~self.slot_star & (sups_per_dep[self.sup_dep[self.slot_sup]] > 1))
        n_moves = min(len(candidates), max(1, round(0.04 * self.size.reps))) if last > first else 0
        for slot in np.sort(rng.choice(candidates, size=n_moves, replace=False)):
            sup = self.slot_sup[slot]
            others = np.flatnonzero(
                (self.sup_dep == self.sup_dep[sup]) & (np.arange(len(self.sup_dep)) != sup)
            )
            self.slot_move[slot] = rng.integers(first, last)
            self.slot_from[slot] = rng.choice(others)

    def team_at(self, slots: np.ndarray, days: np.ndarray) -> np.ndarray:
        return np.where(days < self.slot_move[slots], self.slot_from[slots], self.slot_sup[slots])

    def _reps(self) -> None:
        rng = _rng(self.seed, "reps")
        n_slots = len(self.slot_sup)
        moved = self.slot_move > -NEVER
        events: dict[int, tuple[int, int]] = {}  # slot -> (left_on, replacement hired_on)
        lo, hi = self.WE - 350, self.EB - 40
        for sup, profile in enumerate(self.profiles):
            pool = np.flatnonzero((self.slot_sup == sup) & ~self.slot_star & ~moved)
            count = min(profile.leavers, max(len(pool) - 1, 0))
            for slot in rng.choice(pool, size=count, replace=False):
                left = int(rng.integers(lo, hi))
                events[int(slot)] = (left, left + int(rng.integers(7, 36)))
        pool = np.array(
            [s for s in range(n_slots) if s not in events and not moved[s] and not self.slot_star[s]]
        )
        n_old = min(len(pool), round(0.05 * self.size.reps))
        if self.WE - 380 > self.ST + 60:
            for slot in rng.choice(pool, size=n_old, replace=False):
                left = int(rng.integers(self.ST + 60, self.WE - 380))
                events[int(slot)] = (left, left + int(rng.integers(10, 46)))
        first_hire = self.ST - rng.integers(60, 3000, n_slots)
        slot, hired, left = [], [], []
        for s in range(n_slots):
            if s in events:
                out, back = events[s]
                slot += [s, s]
                hired += [int(first_hire[s]), back]
                left += [out, NEVER]
            else:
                slot.append(s)
                hired.append(int(first_hire[s]))
                left.append(NEVER)
        order = np.lexsort((np.array(slot), np.array(hired)))
        self.rep_slot = np.array(slot)[order]
        self.rep_hired = np.array(hired)[order]
        self.rep_left = np.array(left)[order]
        n_reps = len(order)
        self.rep_code = _codes("R", n_reps, 3)
        pool_names = self._rep_name_pool
        self.rep_name = np.array(pool_names[:n_reps], dtype=object)
        self.rep_first_sup = self.team_at(self.rep_slot, self.rep_hired)
        # occupant lookup: reps sorted by (slot, hired)
        self._occ_order = np.lexsort((self.rep_hired, self.rep_slot))
        self._occ_key = self.rep_slot[self._occ_order] * _KEY + self.rep_hired[self._occ_order]
        current = self.occupant(np.arange(n_slots), np.full(n_slots, self.T))
        assert (current >= 0).all(), "every slot has a rep today"
        self.slot_rep_now = current
        self.rep_current = self.rep_left == NEVER

    def occupant(self, slots: np.ndarray, days: np.ndarray) -> np.ndarray:
        """The rep in each slot on each day, or -1 between a departure and the replacement's start."""
        slots = np.asarray(slots, dtype="int64")
        days = np.asarray(days, dtype="int64")
        idx = np.searchsorted(self._occ_key, slots * _KEY + days, side="right") - 1
        idx = np.clip(idx, 0, None)
        rep = self._occ_order[idx]
        ok = (self.rep_slot[rep] == slots) & (self.rep_hired[rep] <= days) & (days < self.rep_left[rep])
        return np.where(ok, rep, -1)

    # customers -----------------------------------------------------------------------------

    def _customers(self) -> None:
        rng = _rng(self.seed, "customers")
        n = self.size.customers
        counts = {k: int(share * n) for k, share in CLASS_SHARES.items()}
        counts["declining"] += n - sum(counts.values())
        kind = np.concatenate([np.full(c, k, dtype=object) for k, c in counts.items()])
        n_slots = len(self.slot_sup)
        # Round robin over a shuffled slot order spreads every class evenly over the reps.
        slot = rng.permutation(n_slots)[np.arange(n) % n_slots]
        T = self.T
        year = 365
        since = T - rng.integers(750, 12 * year, n)
        young = kind == "fast_young"
        since[young] = T - rng.integers(395, 700, young.sum())
        new = kind == "new"
        since[new] = T - rng.integers(120, 330, new.sum())
        spec = {  # interval range (days), amount noise, growth over 12 months range
            "dormant": ((14, 35), 0.3, (0.85, 1.1)),
            "fast_old": ((10, 24), 0.25, (1.6, 2.8)),
            "fast_young": ((10, 24), 0.25, (1.0, 1.5)),
            "loyal": ((10, 18), 0.1, (0.98, 1.05)),
            "declining": ((14, 30), 0.2, (0.6, 0.85)),
            "mild": ((10, 20), 0.1, (1.14, 1.24)),
            "new": ((10, 24), 0.3, (1.0, 1.0)),
        }
        every = np.zeros(n, dtype="int64")
        sigma = np.zeros(n)
        growth = np.zeros(n)
        for k, ((a, b), s, (g0, g1)) in spec.items():
            mask = kind == k
            every[mask] = rng.integers(a, b + 1, mask.sum())
            sigma[mask] = s
            growth[mask] = rng.uniform(g0, g1, mask.sum())
        stop = np.full(n, NEVER)
        dormant = kind == "dormant"
        stop[dormant] = T - rng.integers(195, 540, dormant.sum())
        size = rng.lognormal(0.0, 0.6, n)
        # Customer codes follow seniority: the oldest customer is C0001.
        order = np.lexsort((rng.random(n), since))
        self.cust_kind = kind[order]
        self.cust_slot = slot[order]
        self.cust_since = since[order]
        self.cust_every = every[order]
        self.cust_sigma = sigma[order]
        self.cust_growth = growth[order]
        self.cust_stop = stop[order]
        self.cust_size = size[order]
        self.cust_dep = self.sup_dep[self.slot_sup[self.cust_slot]]
        self.cust_code = _codes("C", n, 4)
        self.cust_name = self._customer_names(_rng(self.seed, "company-names"))

    def _customer_names(self, rng: np.random.Generator) -> np.ndarray:
        n = len(self.cust_dep)
        names = np.empty(n, dtype=object)
        bank = self.dep_segment[self.cust_dep] == "bank"
        names[bank] = vocab.bank_names(rng, int(bank.sum()))
        # Government-and-enterprise departments (政企) serve public bodies as well as companies.
        public = ~bank & np.array(["政企" in self.dep_name[d] for d in self.cust_dep]) & (rng.random(n) < 0.6)
        names[public] = vocab.public_body_names(rng, int(public.sum()))
        firms = ~bank & ~public
        names[firms] = vocab.company_names(rng, int(firms.sum()))
        return names

    # bookings ------------------------------------------------------------------------------

    def _bookings(self) -> None:
        rng = _rng(self.seed, "bookings")
        first_day = np.maximum(self.cust_since, self.ST)
        first = first_day + rng.integers(0, self.cust_every)
        last = np.minimum(self.cust_stop, self.T)
        cust, day = _regular(first, last, self.cust_every, rng, 0.25)
        day = np.maximum(_to_weekday(day), first_day[cust])
        years = (day - (self.T - 365)) / 365.0
        amount = (
            self.cust_size[cust]
            * SEASON[_month_index(day) % 12]
            * self.cust_growth[cust] ** years
            * rng.lognormal(0.0, self.cust_sigma[cust])
        )
        slot = self.cust_slot[cust]
        rep = self.occupant(slot, day)
        keep = rep >= 0
        cust, day, amount, slot, rep = cust[keep], day[keep], amount[keep], slot[keep], rep[keep]

        # Scale each slot so that the window shows the planted booking shares of each team.
        n_slots = len(self.slot_sup)
        in_window = (day >= self.WS) & (day <= self.WE)
        window = np.bincount(slot[in_window], amount[in_window], minlength=n_slots)
        share = self._planted_shares(_rng(self.seed, "shares"))
        wanted = share * self.team_size[self.slot_sup] * self.sup_factor[self.slot_sup]
        fallback = np.median(window[window > 0]) if (window > 0).any() else 1.0
        factor = wanted / np.where(window > 0, window, fallback)
        amount = amount * factor[slot]
        unit = 68_000.0 / np.median(amount)  # a typical booking of about 68,000 CNY
        amount = np.maximum(np.round(amount * unit / 100.0) * 100.0, 100.0)
        self.cust_scale = self.cust_size * factor[self.cust_slot] * unit

        order = np.lexsort((cust, day))
        self.bk_cust, self.bk_day, self.bk_amount, self.bk_rep = (
            cust[order],
            day[order],
            amount[order],
            rep[order],
        )
        # Key accounts: the largest tenth by bookings over the last two years.
        recent = self.bk_day > self.T - 730
        revenue = np.bincount(self.bk_cust[recent], self.bk_amount[recent], minlength=len(self.cust_code))
        n_key = max(1, round(0.1 * len(self.cust_code)))
        self.cust_key = np.zeros(len(self.cust_code), dtype=bool)
        self.cust_key[np.argsort(-revenue, kind="stable")[:n_key]] = True

    def _planted_shares(self, rng: np.random.Generator) -> np.ndarray:
        share = np.zeros(len(self.slot_sup))
        for sup, profile in enumerate(self.profiles):
            slots = np.flatnonzero(self.slot_sup == sup)
            heads = np.array(profile.shares[: len(slots)])
            rest = len(slots) - len(heads)
            noise = rng.uniform(0.85, 1.15, rest)
            if len(heads) and rest:
                tail = (1.0 - heads.sum()) * noise / noise.sum()
                share[slots] = np.r_[heads, tail]
            elif len(heads):
                share[slots] = heads / heads.sum()
            else:
                share[slots] = noise / noise.sum()
        return share

    # targets -------------------------------------------------------------------------------

    def _targets(self) -> None:
        rng = _rng(self.seed, "targets")
        months = np.arange(self.month_lo, self.month_hi + 1)
        m_first = _month_first(months)
        m_last = _month_first(months + 1) - 1
        dim = m_last - m_first + 1
        m_mid = m_first + 14
        # Expected bookings per customer and month from the generating rates (future days of
        # the current month included: a target covers the whole month).
        active_from = np.maximum(self.cust_since, self.ST)
        active_to = np.where(self.cust_stop < NEVER, self.cust_stop, m_last[-1])
        overlap = np.clip(
            np.minimum(active_to[:, None], m_last[None, :])
            - np.maximum(active_from[:, None], m_first[None, :])
            + 1,
            0,
            None,
        )
        years = (m_mid - (self.T - 365)) / 365.0
        per_day = self.cust_scale * np.exp(self.cust_sigma**2 / 2) / self.cust_every
        expected = (
            overlap
            * per_day[:, None]
            * SEASON[months % 12][None, :]
            * self.cust_growth[:, None] ** years[None, :]
        )
        by_slot = np.zeros((len(self.slot_sup), len(months)))
        np.add.at(by_slot, self.cust_slot, expected)

        employed = np.clip(
            np.minimum(self.rep_left[:, None] - 1, m_last[None, :])
            - np.maximum(self.rep_hired[:, None], m_first[None, :])
            + 1,
            0,
            None,
        )
        team = self.team_at(np.repeat(self.rep_slot, len(months)), np.tile(m_mid, len(self.rep_slot)))
        att = self.sup_att[team].reshape(len(self.rep_slot), len(months))
        target = by_slot[self.rep_slot] * employed / dim[None, :] / att
        target *= rng.uniform(0.93, 1.07, target.shape)

        # Calibrate each current team on the window so the planted attainment holds exactly.
        win = np.clip(np.minimum(self.WE, m_last) - np.maximum(self.WS, m_first) + 1, 0, None) / dim
        window_target = target @ win
        booked = np.bincount(
            self.bk_rep[(self.bk_day >= self.WS) & (self.bk_day <= self.WE)],
            self.bk_amount[(self.bk_day >= self.WS) & (self.bk_day <= self.WE)],
            minlength=len(self.rep_code),
        )
        current = self.rep_current
        team_now = self.slot_sup[self.rep_slot]
        n_sup = len(self.sup_code)
        team_target = np.bincount(team_now[current], window_target[current], minlength=n_sup)
        team_booked = np.bincount(team_now[current], booked[current], minlength=n_sup)
        fix = np.where(
            team_target > 0, team_booked / np.where(team_target > 0, team_target, 1) / self.sup_att, 1.0
        )
        target[current] *= fix[team_now[current]][:, None]
        target = np.round(target / 1000.0) * 1000.0
        rep_idx, month_idx = np.nonzero(employed > 0)
        self.tg_rep, self.tg_month, self.tg_amount = rep_idx, months[month_idx], target[rep_idx, month_idx]

    # plans and CSAT indicators ---------------------------------------------------------------

    def _plans(self) -> None:
        rng = _rng(self.seed, "plans")
        Y = self.today.year
        n_dep = len(self.dep_code)
        year = self.bk_day.astype("datetime64[D]").astype("datetime64[Y]").astype("int64") + 1970
        booked = {
            y: np.bincount(self.cust_dep[self.bk_cust[year == y]], self.bk_amount[year == y], minlength=n_dep)
            for y in (Y - 2, Y - 1, Y)
        }
        elapsed = (self.today - date(Y, 1, 1)).days + 1
        days_in_year = (date(Y + 1, 1, 1) - date(Y, 1, 1)).days
        base = {
            Y - 2: booked[Y - 2] / rng.uniform(1.05, 1.12, n_dep),
            Y - 1: booked[Y - 2],
            Y: booked[Y - 1],
            Y + 1: booked[Y] * days_in_year / elapsed,
        }
        rows = []
        for d in range(n_dep):
            for i, y in enumerate((Y - 2, Y - 1, Y, Y + 1)):
                industry = INDUSTRY_GROWTH[self.dep_segment[d]][i]
                margin = rng.uniform(5.0, 9.0)
                if y == Y and d % 4 == 3:
                    margin = -rng.uniform(4.0, 6.0)  # the department planning below its forecast
                amount = round(base[y][d] * (1 + (industry + margin) / 100.0) / 10_000.0) * 10_000.0
                rows.append((d, y, amount, industry))
        self.plans = rows
        self.csat_targets = [
            (d, y, CSAT_TARGET_BASE[d % 4] - (Y - y)) for d in range(n_dep) for y in (Y - 2, Y - 1, Y)
        ]

    # team activities -------------------------------------------------------------------------

    def _members(self, sup: int, days: np.ndarray) -> list[np.ndarray]:
        """The reps in `sup`'s team on each day."""
        slots = np.flatnonzero((self.slot_sup == sup) | (self.slot_from == sup))
        d = np.repeat(days, len(slots))
        s = np.tile(slots, len(days))
        rep = self.occupant(s, d)
        ok = (rep >= 0) & (self.team_at(s, d) == sup)
        grid = np.where(ok, rep, -1).reshape(len(days), len(slots))
        return [row[row >= 0] for row in grid]

    def _activities(self) -> None:
        rng = _rng(self.seed, "activities")
        rows: list[tuple[int, int, str, int, np.ndarray]] = []  # (sup, day, kind, minutes, reps)
        mondays_from = self.ST - _weekday(np.array([self.ST]))[0]
        weekday_offsets = np.array([w * 7 + d for w in range(3) for d in range(5)])
        for sup, profile in enumerate(self.profiles):
            n = int(self.team_size[sup])
            if profile.cadence >= 1.0:
                plan = self._weekly_plan(sup, mondays_from, rng)
            else:
                plan = self._block_plan(sup, profile.cadence * n * LEG_WEEKS / 12.0, n, weekday_offsets, rng)
            if not plan:
                continue
            days = np.array([p[0] for p in plan])
            members = self._members(sup, days)
            for (day, kind, minutes, size), team in zip(plan, members, strict=True):
                if len(team) == 0:
                    continue
                if size == _EVERYONE:
                    present = team[rng.random(len(team)) >= 0.1]
                    present = present if len(present) else team[:1]
                else:
                    present = rng.choice(team, size=min(size, len(team)), replace=False)
                rows.append((sup, int(day), kind, minutes, np.sort(present)))
        rows.sort(key=lambda r: (r[1], r[0], r[2]))
        self.activities = rows

    def _weekly_plan(self, sup: int, first_monday: int, rng: np.random.Generator) -> list[tuple]:
        """A team that meets every week, with coaching, joint visits, knowledge sharing and events."""
        plan = []
        wd = sup % 5
        big = _EVERYONE
        for week, monday in enumerate(range(int(first_monday), self.T + 1, 7)):
            items = [(monday + wd, "team_meeting", int(rng.choice([45, 60, 90])), big)]
            if week % 2 == 0:
                items.append((monday + (wd + 2) % 5, "coaching", int(rng.choice([30, 45, 60])), 1))
            if week % 4 == 1:
                items.append((monday + (wd + 3) % 5, "joint_visit", int(rng.choice([120, 180, 240])), 2))
            if week % 6 == 3:
                items.append((monday + (wd + 1) % 5, "knowledge_share", 90, big))
            if week % 13 == 7:
                items.append((monday + 4, "team_event", int(rng.choice([180, 240, 300])), big))
            plan += [i for i in items if self.ST <= i[0] <= self.T]
        return plan

    def _block_plan(
        self, sup: int, quota: float, n: int, offsets: np.ndarray, rng: np.random.Generator
    ) -> list:
        """A team with fewer activities: a quota of attendances per 4-week block.

        Blocks end on the window's last Sunday and hold their activities in their first three
        weeks, so the 13-week window contains exactly three blocks' worth.
        """
        n_blocks = (self.WE - self.ST) // 28 + 1
        units = _dither(np.full(n_blocks, quota), np.zeros(n_blocks), np.full(n_blocks, rng.random()))
        plan = []
        meeting = max(3, math.ceil(0.6 * n))
        for k in range(n_blocks):
            block_start = self.WE - 28 * k - 27
            left = int(units[k])
            days = block_start + rng.choice(offsets, size=max(left, 1) + 1, replace=len(offsets) < left + 2)
            i = 0
            if left >= meeting:
                size = min(left, n)
                plan.append((days[i], "team_meeting", int(rng.choice([45, 60])), size))
                left -= size
                i += 1
            while left > 0:
                if left >= 2 and rng.random() < 0.4:
                    plan.append((days[i % len(days)], "joint_visit", int(rng.choice([120, 180])), 2))
                    left -= 2
                else:
                    plan.append((days[i % len(days)], "coaching", int(rng.choice([30, 45, 60])), 1))
                    left -= 1
                i += 1
        return [p for p in plan if self.ST <= p[0] <= self.T]

    # training -------------------------------------------------------------------------------

    def _training(self) -> None:
        rng = _rng(self.seed, "training")
        n_blocks = (self.WE - self.ST) // 28 + 1
        n_reps = len(self.rep_code)
        block_start = self.WE - 28 * np.arange(n_blocks) - 27
        rep = np.repeat(np.arange(n_reps), n_blocks)
        start = np.tile(block_start, n_reps)
        team = self.team_at(self.rep_slot[rep], start + 10)
        hours_13w = np.array([p.training for p in self.profiles])[team]
        hours = _dither(hours_13w / 3.0, rep, np.repeat(rng.random(n_reps), n_blocks))
        sessions = np.ceil(hours / 4.0).astype("int64")
        row = np.repeat(np.arange(len(rep)), sessions)
        j = np.arange(sessions.sum()) - np.repeat(np.cumsum(sessions) - sessions, sessions)
        length = np.minimum(4, hours[row] - 4 * j)
        offsets = np.array([w * 7 + d for w in range(3) for d in range(5)])
        day = start[row] + rng.choice(offsets, size=len(row))
        r = rep[row]
        ok = (day >= self.rep_hired[r]) & (day < self.rep_left[r]) & (day >= self.ST) & (day <= self.T)
        day, r, length = day[ok], r[ok], length[ok]
        topic = rng.integers(0, len(vocab.TRAINING_TOPICS), len(day))
        order = np.lexsort((r, day))
        self.tr_day, self.tr_rep, self.tr_hours, self.tr_topic = (
            day[order],
            r[order],
            length[order],
            topic[order],
        )

    # exams ----------------------------------------------------------------------------------

    def _exams(self) -> None:
        rng = _rng(self.seed, "exams")
        rows: list[tuple[int, int, int]] = []  # (rep, day, score)
        last_exam = self.WE - 14
        current = np.flatnonzero(self.rep_current)
        passers: set[int] = set()
        for sup, profile in enumerate(self.profiles):
            team = current[self.slot_sup[self.rep_slot[current]] == sup]
            team = team[np.argsort(self.rep_hired[team], kind="stable")]
            passers.update(int(r) for r in team[: round(profile.passed * len(team))])
        for r in range(len(self.rep_code)):
            first = max(int(self.rep_hired[r]) + 21, self.ST)
            last = min(int(self.rep_left[r]) - 1, last_exam)
            if last < first:
                continue
            sup = int(self.team_at(np.array([self.rep_slot[r]]), np.array([last]))[0])
            profile = self.profiles[sup]
            if self.rep_current[r]:
                passed = r in passers
                if not passed and rng.random() < profile.no_exam:
                    continue
            else:
                passed = rng.random() < 0.5
            attempts = 1 + int(rng.random() < 0.35) + int(rng.random() < 0.1)
            latest = int(rng.integers(max(first, last - 300), last + 1))
            days = [latest - int(rng.integers(45, 100)) * i for i in range(attempts)]
            days = [d for d in days if d >= first][::-1]
            for i, day in enumerate(days):
                final = i == len(days) - 1
                lo, hi = profile.pass_score if (final and passed) else profile.fail_score
                if not final:
                    lo, hi = 38, PASS_MARK - 1
                score = int(rng.integers(lo, hi + 1))
                rows.append((r, int(_to_weekday(np.array([day]))[0]), score))
        rows.sort(key=lambda x: (x[1], x[0]))
        self.exams = rows

    # surveys and ratings -----------------------------------------------------------------------

    def _surveys(self) -> None:
        rng = _rng(self.seed, "surveys")
        n = len(self.cust_code)
        quarters = np.arange(self.month_lo - self.month_lo % 3, self.month_hi + 1, 3)
        q_first = _month_first(quarters)
        cust = np.repeat(np.arange(n), len(quarters))
        day = np.tile(q_first + 60, n) + rng.integers(0, 26, len(cust))
        answer = rng.random(len(cust)) < 0.45
        months = np.arange(self.month_lo, self.month_hi + 1)
        key = np.flatnonzero(self.cust_key)
        k_cust = np.repeat(key, len(months))
        k_day = np.tile(_month_first(months) + 4, len(key)) + rng.integers(0, 20, len(k_cust))
        k_answer = rng.random(len(k_cust)) < 0.5
        cust = np.r_[cust[answer], k_cust[k_answer]]
        day = np.r_[day[answer], k_day[k_answer]]
        ok = (day >= self.cust_since[cust]) & (day >= self.ST) & (day <= self.T)
        cust, day = cust[ok], day[ok]
        rep = self.occupant(self.cust_slot[cust], day)
        cust, day, rep = cust[rep >= 0], day[rep >= 0], rep[rep >= 0]
        self.rep_csat_offset = _rng(self.seed, "rep-csat").normal(0.0, 0.025, len(self.rep_code))
        team = self.team_at(self.rep_slot[rep], day)
        p = np.clip(self.sup_csat[team] + self.rep_csat_offset[rep], 0.05, 0.99)
        order = np.lexsort((cust, day, rep))
        cust, day, rep, p = cust[order], day[order], rep[order], p[order]
        offsets = _rng(self.seed, "csat-dither").random(len(self.rep_code))[rep]
        satisfied = _dither(p, rep, offsets) > 0
        score = np.where(
            satisfied,
            rng.choice([4, 5], size=len(p), p=[0.45, 0.55]),
            rng.choice([3, 2, 1], size=len(p), p=[0.55, 0.30, 0.15]),
        )
        order = np.lexsort((cust, day))
        self.sv_cust, self.sv_day, self.sv_rep, self.sv_score = (
            cust[order],
            day[order],
            rep[order],
            score[order],
        )

    @staticmethod
    def _expected_score(p: np.ndarray) -> np.ndarray:
        return p * (0.45 * 4 + 0.55 * 5) + (1 - p) * (0.55 * 3 + 0.30 * 2 + 0.15 * 1)

    def _ratings(self) -> None:
        rng = _rng(self.seed, "ratings")
        quarters = np.arange(self.month_lo - self.month_lo % 3, self.month_hi + 1, 3)
        q_end = _month_first(quarters + 3) - 1
        done = q_end < self.T
        quarters, q_end = quarters[done], q_end[done]
        labels = np.array([f"{q // 12 + 1970}-Q{q % 12 // 3 + 1}" for q in quarters], dtype=object)
        n_reps = len(self.rep_code)
        rep = np.repeat(np.arange(n_reps), len(quarters))
        qi = np.tile(np.arange(len(quarters)), n_reps)
        end = q_end[qi]
        ok = (self.rep_hired[rep] <= end - 30) & (self.rep_left[rep] > end) & (end >= self.ST)
        rep, qi, end = rep[ok], qi[ok], end[ok]
        sup = self.team_at(self.rep_slot[rep], end)
        p = np.clip(self.sup_csat[sup] + self.rep_csat_offset[rep], 0.05, 0.99)
        honest = self._expected_score(p) + rng.normal(0.0, 0.15, len(rep))
        generous = np.array([self.profiles[s].rates_high for s in sup], dtype=bool)
        score = np.where(generous, rng.uniform(4.6, 5.0, len(rep)), honest)
        self.rr = (sup, rep, labels[qi], np.clip(np.round(score, 1), 1.0, 5.0))
        n_sup = len(self.sup_code)
        s = np.repeat(np.arange(n_sup), len(quarters))
        q = np.tile(np.arange(len(quarters)), n_sup)
        company = self._expected_score(self.sup_csat[s]) + rng.normal(0.0, 0.12, len(s))
        self.sr = (s, labels[q], np.clip(np.round(company, 1), 1.0, 5.0))

    # contacts -------------------------------------------------------------------------------

    def _contacts(self) -> None:
        rng = _rng(self.seed, "contacts")
        n = len(self.cust_code)
        key = self.cust_key
        keys = np.flatnonzero(key)
        n_overdue = max(1, round(0.13 * len(keys)))
        self.overdue = np.sort(rng.choice(keys, size=n_overdue, replace=False))
        contacted = key | (rng.random(n) < 0.5)
        every = np.where(key, rng.integers(10, 22, n), rng.integers(60, 121, n))
        first = np.maximum(self.cust_since, self.ST) + rng.integers(0, every)
        last = np.full(n, self.T)
        # Overdue key accounts: no contact for 35-75 days before the last complete week's end.
        last[self.overdue] = self.WE - rng.integers(35, 76, n_overdue)
        idx = np.flatnonzero(contacted)
        rows, day = _regular(first[idx], last[idx], every[idx], rng, 0.1)
        cust = idx[rows]
        day = np.maximum(_to_weekday(day), np.maximum(self.cust_since, self.ST)[cust])
        rep = self.occupant(self.cust_slot[cust], day)
        cust, day, rep = cust[rep >= 0], day[rep >= 0], rep[rep >= 0]
        kinds = np.array(vocab.CONTACT_KINDS, dtype=object)
        kind = np.where(
            key[cust],
            rng.choice(kinds, size=len(cust), p=vocab.CONTACT_WEIGHTS_KEY),
            rng.choice(kinds, size=len(cust), p=vocab.CONTACT_WEIGHTS_OTHER),
        )
        order = np.lexsort((cust, day))
        self.ct_cust, self.ct_day, self.ct_rep, self.ct_kind = (
            cust[order],
            day[order],
            rep[order],
            kind[order],
        )
        last_contact = np.full(n, -NEVER)
        np.maximum.at(last_contact, self.ct_cust, self.ct_day)
        self.cust_last_contact = last_contact

    # complaints ------------------------------------------------------------------------------

    def _complaint_plan(self) -> None:
        """Counts per department and week (streamed later), spikes and the planted extras."""
        rng = _rng(self.seed, "complaint-plan")
        n = len(self.cust_code)
        mult = np.array([p.complaints for p in self.profiles])[self.slot_sup[self.cust_slot]]
        weight = rng.gamma(0.8, 1.0, n) * mult * np.where(self.cust_key, 1.3, 1.0)
        weight *= np.where(self.cust_kind == "dormant", 0.5, 1.0)
        order = np.lexsort((self.cust_since, self.cust_dep))
        self._c_order = order
        self._c_cum = np.cumsum(weight[order])
        dep_sorted = self.cust_dep[order]
        n_dep = len(self.dep_code)
        self._c_off = np.searchsorted(dep_sorted, np.arange(n_dep + 1))
        since_sorted = self.cust_since[order]

        first_monday = self.ST - int(_weekday(np.array([self.ST]))[0])
        last_day = self.T - 1  # complaints end at midnight before --today
        self.weeks = np.arange(first_monday, last_day + 1, 7)
        lo = np.maximum(self.weeks, self.ST)
        hi = np.minimum(self.weeks + 6, last_day)
        self._week_days = (lo, hi)
        existing = np.zeros((n_dep, len(self.weeks)), dtype="int64")
        mass = np.zeros((n_dep, len(self.weeks)))
        for d in range(n_dep):
            a, b = self._c_off[d], self._c_off[d + 1]
            m = np.searchsorted(since_sorted[a:b], self.weeks, side="right")
            existing[d] = m
            before = self._c_cum[a - 1] if a > 0 else 0.0
            mass[d] = np.where(m > 0, self._c_cum[np.maximum(a + m - 1, 0)] - before, 0.0)
        fraction = (hi - lo + 1) / 7.0
        lam = mass * fraction[None, :]
        self._existing = existing

        # Planted extras: overdue key accounts complain after going quiet; a few repeat complainants.
        extra_cust, extra_day = [], []
        for c in self.overdue:
            first = max(int(self.cust_last_contact[c]) + 31, self.T - 30)
            for _ in range(int(rng.integers(1, 3))):
                if first <= last_day:
                    extra_cust.append(int(c))
                    extra_day.append(int(rng.integers(first, last_day + 1)))
        eligible = np.flatnonzero(~self.cust_key & (self.cust_since < self.WS - 30))
        n_chains = max(3, round(0.006 * n))
        self.repeaters = np.sort(rng.choice(eligible, size=min(n_chains, len(eligible)), replace=False))
        for c in self.repeaters:
            start = int(rng.integers(self.WS, max(self.WS + 1, last_day - 21)))
            for offset in np.sort(rng.choice(21, size=3, replace=False)):
                extra_cust.append(int(c))
                extra_day.append(start + int(offset))
        self._extra_cust = np.array(extra_cust, dtype="int64")
        self._extra_day = np.array(extra_day, dtype="int64")

        # Spikes: a planted burst of one category in one department and week of the window.
        self.spikes = []
        spike_extra = np.zeros_like(existing)
        last_week = len(self.weeks) - 1 - int(self.weeks[-1] > self.WE)
        base_total = lam.sum()
        budget = max(self.size.complaints - len(extra_cust), 1)
        scale = budget / base_total if base_total > 0 else 0.0
        lam *= scale
        for d, back, category in SPIKES:
            if d >= n_dep:
                continue
            w = last_week - back
            recent = lam[d, max(0, w - 12) : w].mean()
            spike_extra[d, w] = max(30, round(1.2 * recent))
            self.spikes.append((d, w, category))
        counts = rng.binomial(np.round(2 * lam).astype("int64"), 0.5)
        counts[existing == 0] = 0
        self.complaint_counts = counts
        self.spike_extra = spike_extra
        self.spike_category = {(d, w): c for d, w, c in self.spikes}

    def _complaint_chunks(self, chunk_rows: int = 250_000):
        """Complaint rows in chronological order, a few weeks at a time."""
        rng = _rng(self.seed, "complaints")
        pool = vocab.description_pool(_rng(self.seed, "descriptions"))
        pool_arrays = {c: np.array(texts, dtype=object) for c, texts in pool.items()}
        cats = np.array(vocab.CATEGORIES, dtype=object)
        per_week = self.complaint_counts.sum(axis=0) + self.spike_extra.sum(axis=0)
        lo_days, hi_days = self._week_days
        day_w = np.array([1, 1, 1, 1, 1, 0.45, 0.35])
        hour_w = HOUR_WEIGHTS / HOUR_WEIGHTS.sum()
        extra_week = np.searchsorted(self.weeks, self._extra_day, side="right") - 1
        w0 = 0
        while w0 < len(self.weeks):
            w1 = w0
            rows = 0
            while w1 < len(self.weeks) and (rows == 0 or rows + per_week[w1] <= chunk_rows):
                rows += per_week[w1]
                w1 += 1
            cols = self.complaint_counts[:, w0:w1]
            spikes = self.spike_extra[:, w0:w1]
            d_idx, w_idx = np.nonzero(cols + spikes)
            base_n = cols[d_idx, w_idx]
            spike_n = spikes[d_idx, w_idx]
            total = base_n + spike_n
            dep = np.repeat(d_idx, total)
            week = np.repeat(w_idx + w0, total)
            within = np.arange(total.sum()) - np.repeat(np.cumsum(total) - total, total)
            is_spike = within >= np.repeat(base_n, total)
            # customers, by weight among those already customers that week
            m = self._existing[dep, week]
            a = self._c_off[dep]
            before = np.where(a > 0, self._c_cum[np.maximum(a - 1, 0)], 0.0)
            top = self._c_cum[a + m - 1]
            target = before + rng.random(len(dep)) * (top - before)
            pos = np.clip(np.searchsorted(self._c_cum, target, side="right"), a, a + m - 1)
            cust = self._c_order[pos]
            offset = rng.choice(7, size=len(dep), p=day_w / day_w.sum())
            day = self.weeks[week] + offset
            lo, hi = lo_days[week], hi_days[week]
            outside = (day < lo) | (day > hi)
            day[outside] = lo[outside] + (rng.random(outside.sum()) * (hi[outside] - lo[outside] + 1)).astype(
                "int64"
            )
            category = cats[rng.choice(len(cats), size=len(dep), p=vocab.CATEGORY_WEIGHTS)]
            if is_spike.any():
                category[is_spike] = [
                    self.spike_category[(int(d), int(w))]
                    for d, w in zip(dep[is_spike], week[is_spike], strict=True)
                ]
            extra = (extra_week >= w0) & (extra_week < w1)
            cust = np.r_[cust, self._extra_cust[extra]]
            day = np.r_[day, self._extra_day[extra]]
            category = np.r_[
                category, cats[rng.choice(len(cats), size=int(extra.sum()), p=vocab.CATEGORY_WEIGHTS)]
            ]
            yield self._complaint_fields(rng, cust, day, category, hour_w, pool_arrays)
            w0 = w1

    def _complaint_fields(self, rng, cust, day, category, hour_w, pool_arrays) -> dict[str, np.ndarray]:  # type: ignore[no-untyped-def]
        n = len(cust)
        hour = rng.choice(24, size=n, p=hour_w)
        received = day * 86400 + hour * 3600 + rng.integers(0, 3600, n)
        order = np.lexsort((cust, received))
        cust, received, category = cust[order], received[order], category[order]
        severity = rng.choice(3, size=n, p=vocab.SEVERITY_WEIGHTS)
        channel = rng.choice(len(vocab.CHANNELS), size=n, p=vocab.CHANNEL_WEIGHTS)
        median_hours = np.array([20.0, 14.0, 8.0])[severity]
        hours = rng.lognormal(np.log(median_hours), 1.0)
        resolved = received + np.round(hours * 3600).astype("int64")
        now = self.T * 86400
        # A few recent complaints get stuck (they miss the SLA while still open).
        stuck = (received > now - 45 * 86400) & (rng.random(n) < 0.04)
        open_ = (resolved >= now) | stuck
        fresh = (now - received) < 3 * 86400
        status = np.where(
            open_,
            np.where(fresh & (rng.random(n) < 0.6), vocab.STATUS_NEW, vocab.STATUS_OPEN),
            vocab.STATUS_CLOSED,
        ).astype(object)
        resolved_text = np.where(open_, "", _datetimes(resolved)).astype(object)
        dep_given = rng.random(n) < 0.7
        dep_text = np.where(dep_given, self.dep_code[self.cust_dep[cust]], "").astype(object)
        description = np.empty(n, dtype=object)
        pick = rng.integers(0, 1 << 30, n)
        for c, texts in pool_arrays.items():
            mask = category == c
            description[mask] = texts[pick[mask] % len(texts)]
        return {
            "received_at": _datetimes(received).astype(object),
            "customer_code": self.cust_code[cust],
            "department_code": dep_text,
            "category": category,
            "severity": np.array(vocab.SEVERITIES, dtype=object)[severity],
            "channel": np.array(vocab.CHANNELS, dtype=object)[channel],
            "status": status,
            "resolved_at": resolved_text,
            "description": description,
        }

    # output ---------------------------------------------------------------------------------

    def write(self, out: Path) -> dict[str, int]:
        out.mkdir(parents=True, exist_ok=True)
        manifest = out / "manifest.json"
        if manifest.exists():
            manifest.unlink()  # a folder without a manifest is an unfinished one
        rows: dict[str, int] = {}
        for name, (count, columns) in self._tables().items():
            rows[name] = _write_csv(out / f"{name}.csv", count, columns)
        rows["complaints"] = self._write_complaints(out / "complaints.csv")
        rows = {name: rows[name] for name in FILES}
        text = json.dumps(self.manifest(rows), ensure_ascii=False, indent=2) + "\n"
        manifest.write_text(text, encoding="utf-8")
        return rows

    def _tables(self) -> dict[str, tuple[int, dict[str, Column]]]:
        """Every file but complaints: row count and lazily formatted columns."""
        dep, sup, rep, cust = self.dep_code, self.sup_code, self.rep_code, self.cust_code

        def codes(labels: np.ndarray, index: np.ndarray) -> Column:
            return _fmt(np.asarray(index, dtype="int64"), lambda ix: labels[ix])

        def decimals(places: int) -> Callable[[np.ndarray], np.ndarray]:
            return lambda v: np.char.mod(f"%.{places}f", np.asarray(v, dtype="float64"))

        moved = np.flatnonzero(self.slot_move > -NEVER)
        asg = sorted(
            (int(self.slot_move[self.rep_slot[r]]), int(r))
            for s in moved
            for r in np.flatnonzero(self.rep_slot == s)
            if self.rep_hired[r] < self.slot_move[s] < self.rep_left[r]
        )
        asg_rep = np.array([r for _, r in asg], dtype="int64")
        month_text = np.array(
            [f"{m // 12 + 1970}-{m % 12 + 1:02d}" for m in range(self.month_lo, self.month_hi + 1)]
        )
        plans = np.array(self.plans, dtype="float64").reshape(-1, 4)
        acts = self.activities
        exams = np.array(self.exams, dtype="int64").reshape(-1, 3)
        rr_sup, rr_rep, rr_quarter, rr_score = self.rr
        rr = np.lexsort((rr_rep, rr_sup, rr_quarter))
        sr_sup, sr_quarter, sr_score = self.sr
        sr = np.lexsort((sr_sup, sr_quarter))
        csat = np.array(self.csat_targets, dtype="int64").reshape(-1, 3)
        left = np.where(self.rep_left < NEVER, _dates(np.minimum(self.rep_left, self.T)), "")
        return {
            "departments": (
                len(dep),
                {"code": _take(dep), "name": _take(self.dep_name), "segment": _take(self.dep_segment)},
            ),
            "supervisors": (
                len(sup),
                {
                    "code": _take(sup),
                    "name": _take(self.sup_name),
                    "department_code": codes(dep, self.sup_dep),
                },
            ),
            "reps": (
                len(rep),
                {
                    "code": _take(rep),
                    "name": _take(self.rep_name),
                    "supervisor_code": codes(sup, self.rep_first_sup),
                    "hired_on": _fmt(self.rep_hired, _dates),
                    "left_on": _take(left),
                },
            ),
            "assignments": (
                len(asg_rep),
                {
                    "rep_code": codes(rep, asg_rep),
                    "supervisor_code": codes(sup, self.slot_sup[self.rep_slot[asg_rep]]),
                    "start_on": _fmt(self.slot_move[self.rep_slot[asg_rep]], _dates),
                },
            ),
            "customers": (
                len(cust),
                {
                    "code": _take(cust),
                    "name": _take(self.cust_name),
                    "segment": codes(self.dep_segment, self.cust_dep),
                    "department_code": codes(dep, self.cust_dep),
                    "owner_rep_code": codes(rep, self.slot_rep_now[self.cust_slot]),
                    "key_account": _take(self.cust_key.astype("int64")),
                    "since": _fmt(self.cust_since, _dates),
                },
            ),
            "bookings": (
                len(self.bk_day),
                {
                    "id": _ids("B", max(6, len(str(len(self.bk_day))))),
                    "rep_code": codes(rep, self.bk_rep),
                    "customer_code": codes(cust, self.bk_cust),
                    "booked_on": _fmt(self.bk_day, _dates),
                    "amount": _fmt(self.bk_amount, decimals(2)),
                },
            ),
            "targets": (
                len(self.tg_rep),
                {
                    "rep_code": codes(rep, self.tg_rep),
                    "month": codes(month_text, self.tg_month - self.month_lo),
                    "amount": _fmt(self.tg_amount, decimals(2)),
                },
            ),
            "plans": (
                len(plans),
                {
                    "department_code": codes(dep, plans[:, 0]),
                    "year": _take(plans[:, 1].astype("int64")),
                    "amount": _fmt(plans[:, 2], decimals(2)),
                    "industry_growth_pct": _fmt(plans[:, 3], decimals(1)),
                },
            ),
            "activities": (
                len(acts),
                {
                    "id": _ids("A", max(5, len(str(len(acts))))),
                    "supervisor_code": codes(sup, np.array([a[0] for a in acts], dtype="int64")),
                    "date": _take(_dates(np.array([a[1] for a in acts], dtype="int64"))),
                    "kind": _take([a[2] for a in acts]),
                    "minutes": _take([a[3] for a in acts]),
                    "rep_codes": _take([";".join(rep[a[4]]) for a in acts]),
                },
            ),
            "training": (
                len(self.tr_day),
                {
                    "id": _ids("T", max(5, len(str(len(self.tr_day))))),
                    "rep_code": codes(rep, self.tr_rep),
                    "date": _fmt(self.tr_day, _dates),
                    "hours": _fmt(self.tr_hours, decimals(1)),
                    "topic": codes(np.array(vocab.TRAINING_TOPICS, dtype=object), self.tr_topic),
                },
            ),
            "exams": (
                len(exams),
                {
                    "id": _ids("E", max(5, len(str(len(exams))))),
                    "rep_code": codes(rep, exams[:, 0]),
                    "date": _fmt(exams[:, 1], _dates),
                    "score": _take(exams[:, 2]),
                    "passed": _take((exams[:, 2] >= PASS_MARK).astype("int64")),
                },
            ),
            "surveys": (
                len(self.sv_day),
                {
                    "id": _ids("V", max(6, len(str(len(self.sv_day))))),
                    "customer_code": codes(cust, self.sv_cust),
                    "rep_code": codes(rep, self.sv_rep),
                    "date": _fmt(self.sv_day, _dates),
                    "score": _take(self.sv_score.astype("int64")),
                },
            ),
            "rep_ratings": (
                len(rr),
                {
                    "supervisor_code": codes(sup, rr_sup[rr]),
                    "rep_code": codes(rep, rr_rep[rr]),
                    "quarter": _take(rr_quarter[rr]),
                    "score": _fmt(rr_score[rr], decimals(1)),
                },
            ),
            "supervisor_ratings": (
                len(sr),
                {
                    "supervisor_code": codes(sup, sr_sup[sr]),
                    "quarter": _take(sr_quarter[sr]),
                    "score": _fmt(sr_score[sr], decimals(1)),
                },
            ),
            "csat_targets": (
                len(csat),
                {
                    "department_code": codes(dep, csat[:, 0]),
                    "year": _take(csat[:, 1]),
                    "csat_pct": _take(csat[:, 2]),
                },
            ),
            "contacts": (
                len(self.ct_day),
                {
                    "id": _ids("CT", max(6, len(str(len(self.ct_day))))),
                    "customer_code": codes(cust, self.ct_cust),
                    "rep_code": codes(rep, self.ct_rep),
                    "date": _fmt(self.ct_day, _dates),
                    "kind": _take(self.ct_kind),
                },
            ),
        }

    def _write_complaints(self, path: Path) -> int:
        tmp = path.with_name(path.name + ".tmp")
        width = max(7, len(str(self.size.complaints * 2)))
        written = 0
        header = ["id", "received_at", "customer_code", "department_code", "category", "severity", "channel",
                  "status", "resolved_at", "description"]  # fmt: skip
        with tmp.open("w", encoding="utf-8", newline="") as fh:
            fh.write(",".join(header) + "\n")
            for fields in self._complaint_chunks():
                n = len(fields["received_at"])
                ids = np.array(
                    [f"CP{i:0{width}d}" for i in range(written + 1, written + n + 1)], dtype=object
                )
                pd.DataFrame({"id": ids, **fields}).to_csv(fh, header=False, index=False, lineterminator="\n")
                written += n
        os.replace(tmp, path)
        return written

    def manifest(self, rows: dict[str, int]) -> dict:
        n_sup = len(self.sup_code)
        classes: dict[str, int] = {}
        for kind, count in zip(*np.unique(self.cust_kind.astype(str), return_counts=True), strict=True):
            classes[CLASS_OF[kind]] = classes.get(CLASS_OF[kind], 0) + int(count)
        dep_csat = {}
        for d in range(len(self.dep_code)):
            sups = np.flatnonzero(self.sup_dep == d)
            dep_csat[d] = float(np.mean(self.sup_csat[sups])) if len(sups) else 0.0
        Y = self.today.year
        below = [self.dep_code[d] for d, y, pct in self.csat_targets if y == Y and dep_csat[d] * 100 < pct]
        return {
            "today": self.today.isoformat(),
            "seed": self.seed,
            "scale": self.scale,
            "preset": self.preset,
            "window": {
                "week": iso_week(self.window_end),
                "start": self.window_start.isoformat(),
                "end": self.window_end.isoformat(),
            },
            "data_start": self.start.isoformat(),
            "rows": rows,
            "planted": {str(self.sup_code[i]): self.profiles[i].diagnosis for i in range(n_sup)},
            "rating_gap_supervisors": [
                str(self.sup_code[i]) for i in range(n_sup) if self.profiles[i].rates_high
            ],
            "csat_below_target_departments": [str(c) for c in below],
            "plan_below_forecast": [
                {"department_code": str(self.dep_code[d]), "year": Y}
                for d in range(len(self.dep_code))
                if d % 4 == 3
            ],
            "complaint_spikes": [
                {
                    "department_code": str(self.dep_code[d]),
                    "week": iso_week(day_of(self.weeks[w])),
                    "category": category,
                    "extra": int(self.spike_extra[d, w]),
                }
                for d, w, category in self.spikes
            ],
            "overdue_key_accounts": [str(self.cust_code[c]) for c in self.overdue],
            "repeat_complainants": [str(self.cust_code[c]) for c in self.repeaters],
            "customer_classes": dict(sorted(classes.items())),
            "key_accounts": int(self.cust_key.sum()),
            "reps_employed": int(self.rep_current.sum()),
        }


# --- public entry points -----------------------------------------------------------------------


def generate(
    out_dir: Path, *, today: date, scale: float = 1, seed: int = 7, preset: str | None = None
) -> dict[str, int]:
    """Write the organisation's canonical CSV files and manifest.json into out_dir; rows per file."""
    size = PRESETS[preset] if preset else size_for_scale(scale)
    scale = int(scale) if float(scale).is_integer() else float(scale)  # 1 and 1.0 write the same manifest
    return _Org(size, today, seed, scale, preset).write(Path(out_dir))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m seed_data.generate", description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = the documented demo organisation")
    parser.add_argument(
        "--preset", choices=sorted(PRESETS), help="a named size (bench: 1,000 supervisors ...)"
    )
    parser.add_argument(
        "--out", type=Path, help="output folder (default seed_data/demo; data/bench for bench)"
    )
    parser.add_argument("--today", type=date.fromisoformat, default=None, help="YYYY-MM-DD (default: today)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    out = args.out or (Path("data") / args.preset if args.preset else DEMO_DIR)
    today = args.today or date.today()
    rows = generate(out, today=today, scale=args.scale, seed=args.seed, preset=args.preset)
    width = max(len(k) for k in rows)
    for name, count in rows.items():
        print(f"{name:<{width}}  {count:>10,}")
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
