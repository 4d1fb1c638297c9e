"""The demo-organisation generator: counts, formats, integrity, determinism and the planted stories.

The checker below recomputes the three legs, the diagnosis, customer classes, CSAT and complaint
spikes straight from the CSV files with pandas. It deliberately imports nothing from Tripod, so
the demo is checked against the definitions (docs/metrics.md) and not against the code under test.
"""

from __future__ import annotations

import calendar
import json
import math
import re
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from seed_data.generate import FILES, generate
from seed_data.profiles import BENCH, size_for_scale

TODAY = date(2026, 11, 25)
WEEK_END = date(2026, 11, 22)  # the Sunday closing the last complete ISO week before TODAY
FAR = date(2700, 1, 1)

COLUMNS = {
    "departments": ["code", "name", "segment"],
    "supervisors": ["code", "name", "department_code"],
    "reps": ["code", "name", "supervisor_code", "hired_on", "left_on"],
    "assignments": ["rep_code", "supervisor_code", "start_on"],
    "customers": ["code", "name", "segment", "department_code", "owner_rep_code", "key_account", "since"],
    "bookings": ["id", "rep_code", "customer_code", "booked_on", "amount"],
    "targets": ["rep_code", "month", "amount"],
    "plans": ["department_code", "year", "amount", "industry_growth_pct"],
    "activities": ["id", "supervisor_code", "date", "kind", "minutes", "rep_codes"],
    "training": ["id", "rep_code", "date", "hours", "topic"],
    "exams": ["id", "rep_code", "date", "score", "passed"],
    "surveys": ["id", "customer_code", "rep_code", "date", "score"],
    "rep_ratings": ["supervisor_code", "rep_code", "quarter", "score"],
    "supervisor_ratings": ["supervisor_code", "quarter", "score"],
    "csat_targets": ["department_code", "year", "csat_pct"],
    "complaints": [
        "id",
        "received_at",
        "customer_code",
        "department_code",
        "category",
        "severity",
        "channel",
        "status",
        "resolved_at",
        "description",
    ],
    "contacts": ["id", "customer_code", "rep_code", "date", "kind"],
}

# Documented ranges at scale 1 (docs/formats.md, "Demo organisation").
COUNT_RANGES = {
    "departments": (4, 4),
    "supervisors": (12, 12),
    "reps": (85, 110),
    "customers": (600, 600),
    "bookings": (25_000, 40_000),
    "targets": (2_500, 3_200),
    "plans": (16, 16),
    "activities": (1_200, 2_000),
    "training": (3_000, 5_500),
    "exams": (90, 180),
    "surveys": (3_000, 4_500),
    "rep_ratings": (750, 1_000),
    "supervisor_ratings": (132, 132),
    "csat_targets": (12, 12),
    "complaints": (4_800, 5_400),
    "contacts": (5_500, 8_500),
}

DATE_COLUMNS = {
    "reps": ["hired_on", "left_on"],
    "assignments": ["start_on"],
    "customers": ["since"],
    "bookings": ["booked_on"],
    "activities": ["date"],
    "training": ["date"],
    "exams": ["date"],
    "surveys": ["date"],
    "contacts": ["date"],
}

REFERENCES = [  # (file, column, referenced file, list column?)
    ("supervisors", "department_code", "departments", False),
    ("reps", "supervisor_code", "supervisors", False),
    ("assignments", "rep_code", "reps", False),
    ("assignments", "supervisor_code", "supervisors", False),
    ("customers", "department_code", "departments", False),
    ("customers", "owner_rep_code", "reps", False),
    ("bookings", "rep_code", "reps", False),
    ("bookings", "customer_code", "customers", False),
    ("targets", "rep_code", "reps", False),
    ("plans", "department_code", "departments", False),
    ("activities", "supervisor_code", "supervisors", False),
    ("activities", "rep_codes", "reps", True),
    ("training", "rep_code", "reps", False),
    ("exams", "rep_code", "reps", False),
    ("surveys", "customer_code", "customers", False),
    ("surveys", "rep_code", "reps", False),
    ("rep_ratings", "supervisor_code", "supervisors", False),
    ("rep_ratings", "rep_code", "reps", False),
    ("supervisor_ratings", "supervisor_code", "supervisors", False),
    ("csat_targets", "department_code", "departments", False),
    ("complaints", "customer_code", "customers", False),
    ("complaints", "department_code", "departments", False),
    ("contacts", "customer_code", "customers", False),
    ("contacts", "rep_code", "reps", False),
]


# --- the independent checker ----------------------------------------------------------------


def read_folder(folder: Path) -> dict[str, pd.DataFrame]:
    return {
        name: pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False, encoding="utf-8")
        for name in FILES
    }


def _day(text: str) -> date:
    return date.fromisoformat(text)


def memberships(data: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """rep, sup, start, end (excluded), left of every stay in a team, clipped to employment."""
    reps = data["reps"]
    first = reps.rename(columns={"code": "rep", "supervisor_code": "sup", "hired_on": "start"})
    moves = data["assignments"].rename(
        columns={"rep_code": "rep", "supervisor_code": "sup", "start_on": "start"}
    )
    frame = pd.concat([first[["rep", "sup", "start"]], moves[["rep", "sup", "start"]]])
    frame["start"] = pd.to_datetime(frame["start"])
    frame = frame.sort_values(["rep", "start"]).reset_index(drop=True)
    left = pd.to_datetime(reps.set_index("code")["left_on"].replace("", None))
    frame["left"] = frame["rep"].map(left)
    following = frame.groupby("rep")["start"].shift(-1)
    frame["end"] = following.fillna(pd.Timestamp(FAR)).combine(frame["left"].fillna(pd.Timestamp(FAR)), min)
    return frame[frame["start"] < frame["end"]].reset_index(drop=True)


def attribute(members: pd.DataFrame, frame: pd.DataFrame, rep: str, day: str) -> pd.DataFrame:
    """Rows of `frame` with the supervisor (`sup`) whose team `rep` was in on `day`; others dropped."""
    merged = frame.merge(members[["rep", "sup", "start", "end"]], left_on=rep, right_on="rep", how="inner")
    inside = (merged["start"] <= merged[day]) & (merged[day] < merged["end"])
    return merged[inside].drop(columns=["start", "end"])


def _days(later: pd.Series, earlier: pd.Series) -> pd.Series:
    return (later - earlier).dt.days.clip(lower=0)


def legs(data: dict[str, pd.DataFrame], week_end: date) -> pd.DataFrame:
    """Targets, team and skills (0-100) of every supervisor over the 13 weeks ending week_end."""
    we = pd.Timestamp(week_end)
    ws, we1 = we - pd.Timedelta(days=90), we + pd.Timedelta(days=1)
    r0 = we - pd.Timedelta(days=363)
    members = memberships(data)
    sups = pd.Index(data["supervisors"]["code"], name="sup")

    b = data["bookings"]
    b = b.assign(day=pd.to_datetime(b["booked_on"]), amount=b["amount"].astype(float))
    b = attribute(members, b[(b["day"] >= ws) & (b["day"] < we1)], "rep_code", "day")
    per_rep = b.groupby(["sup", "rep_code"])["amount"].sum()

    # target of the window: each month's daily target times the days the rep spent in each team
    t = data["targets"].assign(
        first=lambda f: pd.to_datetime(f["month"] + "-01"), amount=lambda f: f["amount"].astype(float)
    )
    t["next"] = t["first"] + pd.offsets.MonthBegin(1)
    t["daily"] = t["amount"] / (t["next"] - t["first"]).dt.days
    t = t.merge(members, left_on="rep_code", right_on="rep")
    lo = t["first"].clip(lower=ws).combine(t["start"], max)
    hi = t["next"].clip(upper=we1).combine(t["end"], min)
    target = (t["daily"] * _days(hi, lo)).groupby(t["sup"]).sum().reindex(sups, fill_value=0.0)

    m = members
    rep_days_13 = _days(m["end"].clip(upper=we1), m["start"].clip(lower=ws)).groupby(m["sup"]).sum()
    rep_days_52 = _days(m["end"].clip(upper=we1), m["start"].clip(lower=r0)).groupby(m["sup"]).sum()
    rep_days_13, rep_days_52 = (
        rep_days_13.reindex(sups, fill_value=0),
        rep_days_52.reindex(sups, fill_value=0),
    )
    in_window = m[(m["start"] < we1) & (m["end"] > ws)]
    current = m[(m["start"] <= we) & (we < m["end"])]
    left = m[m["left"].notna() & (m["end"] == m["left"]) & (m["left"] >= r0) & (m["left"] <= we)]
    leavers = left.groupby("sup").size().reindex(sups, fill_value=0)

    a = data["activities"].assign(day=lambda f: pd.to_datetime(f["date"]))
    a = a[(a["day"] >= ws) & (a["day"] < we1)]
    a = a.assign(rep=a["rep_codes"].str.split(";")).explode("rep")
    a = attribute(members, a.rename(columns={"rep": "attendee"}), "attendee", "day")
    attendances = a[a["sup"] == a["supervisor_code"]].groupby("sup").size().reindex(sups, fill_value=0)

    tr = data["training"].assign(
        day=lambda f: pd.to_datetime(f["date"]), hours=lambda f: f["hours"].astype(float)
    )
    tr = attribute(members, tr[(tr["day"] >= ws) & (tr["day"] < we1)], "rep_code", "day")
    hours = tr.groupby("sup")["hours"].sum().reindex(sups, fill_value=0.0)

    ex = data["exams"].assign(
        day=lambda f: pd.to_datetime(f["date"]), score=lambda f: f["score"].astype(float)
    )
    ex = ex[ex["day"] <= we].sort_values(["day", "score"])
    latest = ex.groupby("rep_code")["score"].last()
    passed = set(ex.loc[ex["passed"] == "1", "rep_code"])
    current = current.assign(
        passed=current["rep"].isin(passed), score=current["rep"].map(latest).fillna(0.0) / 100
    )

    rows = []
    for sup in sups:
        booked = per_rep.get(sup, pd.Series(dtype=float))
        total = float(booked.sum())
        attainment = total / target[sup] if target[sup] else math.nan
        people = set(in_window.loc[in_window["sup"] == sup, "rep"]) | set(booked[booked > 0].index)
        evenness = (total**2 / float((booked**2).sum())) / len(people) if total else 0.0
        headcount_13 = rep_days_13[sup] / 91
        cadence = min(attendances[sup] * 28 / rep_days_13[sup], 1.0)
        retention = max(0.0, 1 - leavers[sup] / (rep_days_52[sup] / 364))
        now = current[current["sup"] == sup]
        coverage, score_mean = float(now["passed"].mean()), float(now["score"].mean())
        training = min(float(hours[sup]) / headcount_13 / 16, 1.0)
        rows.append(
            {
                "sup": sup,
                "attainment": attainment,
                "evenness": evenness,
                "cadence": cadence,
                "retention": retention,
                "coverage": coverage,
                "score_mean": score_mean,
                "training": training,
                "targets": min(attainment, 1.0) * 100,
                "team": (0.4 * evenness + 0.3 * cadence + 0.3 * retention) * 100,
                "skills": (0.4 * coverage + 0.3 * score_mean + 0.3 * training) * 100,
            }
        )
    return pd.DataFrame(rows).set_index("sup")


def diagnose(targets: float, team: float, skills: float) -> str:
    legs_ = {"targets": targets, "team": team, "skills": skills}
    if max(legs_.values()) < 50:
        return "struggling"
    if max(legs_.values()) - min(legs_.values()) < 20:
        return "balanced"
    (top, hi), (_, mid), (bottom, lo) = sorted(legs_.items(), key=lambda kv: -kv[1])
    return f"{top}_only" if hi - mid >= mid - lo else f"neglects_{bottom}"


def margin(targets: float, team: float, skills: float) -> float:
    """Points the legs would have to move for the diagnosis to change (distance to each rule)."""
    values = sorted([targets, team, skills], reverse=True)
    hi, mid, lo = values
    if hi < 50:
        return 50 - hi
    spread = hi - lo
    if spread < 20:
        return min(hi - 50, 20 - spread)
    return min(hi - 50, spread - 20, abs((hi - mid) - (mid - lo)))


def customer_classes(data: dict[str, pd.DataFrame], day: date) -> pd.Series:
    """Class per customer: dormant, fast_growing, loyal, worth_nurturing (or no_bookings)."""

    def months_back(n: int) -> date:
        y, m = divmod(day.year * 12 + day.month - 1 - n, 12)
        return date(y, m + 1, min(day.day, calendar.monthrange(y, m + 1)[1]))

    b = data["bookings"]
    b = b.assign(day=b["booked_on"].map(_day), amount=b["amount"].astype(float))
    prior_end, prior_start = months_back(12), months_back(24) + timedelta(days=1)
    recent = b[b["day"] > prior_end].groupby("customer_code")["amount"].sum()
    prior = b[(b["day"] >= prior_start) & (b["day"] <= prior_end)].groupby("customer_code")["amount"].sum()
    last = b.groupby("customer_code")["day"].max()
    active_from = months_back(6) + timedelta(days=1)
    tenure = months_back(24)
    out = {}
    for c in data["customers"].itertuples():
        r, p = float(recent.get(c.code, 0.0)), float(prior.get(c.code, 0.0))
        if c.code not in last:
            out[c.code] = "no_bookings"
        elif last[c.code] < active_from:
            out[c.code] = "dormant"
        elif p > 0 and r - p >= 0.3 * p:
            out[c.code] = "fast_growing"
        elif p > 0 and _day(c.since) <= tenure and abs(r - p) <= 0.1 * p:
            out[c.code] = "loyal"
        else:
            out[c.code] = "worth_nurturing"
    return pd.Series(out)


def poisson_upper(mean: float, p: float = 0.01) -> int:
    """The smallest k with P(X > k) <= p for X ~ Poisson(mean)."""
    k, term = 0, math.exp(-mean)
    cumulative = term
    while 1 - cumulative > p:
        k += 1
        term *= mean / k
        cumulative += term
    return k


def weekly_complaints(data: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Complaints per attributed department and ISO week (Monday), zero-filled."""
    c = data["complaints"]
    dep_of = dict(zip(data["customers"]["code"], data["customers"]["department_code"]))
    dep = [d or dep_of[cust] for d, cust in zip(c["department_code"], c["customer_code"])]
    day = pd.to_datetime(c["received_at"]).dt.normalize()
    monday = day - pd.to_timedelta(day.dt.day_of_week, unit="D")
    return pd.crosstab(pd.Series(dep, name="dep"), monday.rename("week").values).T


def csat_by_department(data: dict[str, pd.DataFrame], first: date, last: date) -> pd.Series:
    s = data["surveys"]
    s = s[(s["date"].map(_day) >= first) & (s["date"].map(_day) <= last)]
    dep_of = dict(zip(data["customers"]["code"], data["customers"]["department_code"]))
    satisfied = s["score"].astype(int) >= 4
    return satisfied.groupby(s["customer_code"].map(dep_of)).mean() * 100


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    generate(folder, today=TODAY)
    return folder


@pytest.fixture(scope="module")
def data(demo: Path) -> dict[str, pd.DataFrame]:
    return read_folder(demo)


@pytest.fixture(scope="module")
def manifest(demo: Path) -> dict:
    return json.loads((demo / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def scored(data: dict[str, pd.DataFrame]) -> pd.DataFrame:
    frame = legs(data, WEEK_END)
    frame["diagnosis"] = [diagnose(r.targets, r.team, r.skills) for r in frame.itertuples()]
    frame["margin"] = [margin(r.targets, r.team, r.skills) for r in frame.itertuples()]
    return frame


# --- the checker itself ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("targets", "team", "skills", "expected"),
    [
        (30, 40, 45, "struggling"),
        (85, 90, 88, "balanced"),
        (100, 39, 26, "targets_only"),
        (55, 99, 33, "team_only"),
        (55, 45, 97, "skills_only"),
        (38, 99, 96, "neglects_targets"),
        (95, 41, 96, "neglects_team"),
        (92, 99, 29, "neglects_skills"),
        (49.9, 10, 60, "neglects_team"),  # one leg at 60: not struggling
        (70, 60, 50.5, "balanced"),  # spread 19.5
    ],
)
def test_diagnose_follows_the_rule(targets: float, team: float, skills: float, expected: str) -> None:
    assert diagnose(targets, team, skills) == expected


@pytest.mark.parametrize(("mean", "bound"), [(0.5, 3), (1.0, 4), (8.0, 15), (20.0, 31)])
def test_poisson_upper_bound(mean: float, bound: int) -> None:
    assert poisson_upper(mean) == bound


# --- files, counts, formats -----------------------------------------------------------------


def test_every_file_has_the_canonical_columns(demo: Path, data: dict[str, pd.DataFrame]) -> None:
    for name, columns in COLUMNS.items():
        assert list(data[name].columns) == columns, name
        raw = (demo / f"{name}.csv").read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf") and b"\r\n" not in raw, name


def test_counts_are_in_the_documented_ranges(data: dict[str, pd.DataFrame], manifest: dict) -> None:
    for name, (lo, hi) in COUNT_RANGES.items():
        assert lo <= len(data[name]) <= hi, (name, len(data[name]))
        assert manifest["rows"][name] == len(data[name])
    assert (data["customers"]["key_account"] == "1").sum() == 60
    employed = data["reps"]["left_on"] == ""
    assert employed.sum() == 80
    segments = data["departments"].set_index("code")["segment"].to_dict()
    assert segments == {"D01": "bank", "D02": "bank", "D03": "non_bank", "D04": "non_bank"}
    assert data["supervisors"]["department_code"].value_counts().to_dict() == {
        f"D0{i}": 3 for i in range(1, 5)
    }


def test_codes_are_unique(data: dict[str, pd.DataFrame]) -> None:
    keys = {
        "departments": ["code"],
        "supervisors": ["code"],
        "reps": ["code"],
        "customers": ["code"],
        "bookings": ["id"],
        "targets": ["rep_code", "month"],
        "plans": ["department_code", "year"],
        "activities": ["id"],
        "training": ["id"],
        "exams": ["id"],
        "surveys": ["id"],
        "rep_ratings": ["supervisor_code", "rep_code", "quarter"],
        "supervisor_ratings": ["supervisor_code", "quarter"],
        "csat_targets": ["department_code", "year"],
        "complaints": ["id"],
        "contacts": ["id"],
        "assignments": ["rep_code", "start_on"],
    }
    for name, key in keys.items():
        assert not data[name].duplicated(key).any(), name


@pytest.mark.parametrize(("name", "column", "referenced", "is_list"), REFERENCES)
def test_every_referenced_code_exists(
    data: dict[str, pd.DataFrame], name: str, column: str, referenced: str, is_list: bool
) -> None:
    known = set(data[referenced]["code"])
    values = data[name][column]
    if is_list:
        values = pd.Series([c for cell in values for c in cell.split(";") if c])
    values = values[values != ""]
    assert len(values) > 0
    assert set(values) <= known, sorted(set(values) - known)[:5]


def test_formats_parse_and_values_are_in_range(data: dict[str, pd.DataFrame]) -> None:
    iso_date = re.compile(r"^\d{4}-\d{2}-\d{2}$")
    for name, columns in DATE_COLUMNS.items():
        for column in columns:
            values = data[name][column]
            values = values[values != ""]
            assert values.str.match(iso_date).all(), (name, column)
            assert values.map(_day).max() <= TODAY, (name, column)
    c = data["complaints"]
    received = pd.to_datetime(c["received_at"], format="%Y-%m-%dT%H:%M:%S")
    assert received.max() < pd.Timestamp(TODAY)
    closed = c["resolved_at"] != ""
    resolved = pd.to_datetime(c.loc[closed, "resolved_at"], format="%Y-%m-%dT%H:%M:%S")
    assert (resolved >= received[closed]).all() and resolved.max() < pd.Timestamp(TODAY)
    assert set(c.loc[closed, "status"]) == {"已结案"}
    assert set(c.loc[~closed, "status"]) <= {"处理中", "待处理"}
    assert set(c["severity"]) == {"低", "中", "高"} and set(c["channel"]) == {"电话", "邮件", "微信", "网页"}
    assert set(c["category"]) == {"交付延迟", "服务态度", "产品质量", "账单争议", "技术支持", "响应慢"}
    assert 0.65 <= (c["department_code"] != "").mean() <= 0.75
    assert data["targets"]["month"].str.match(r"^\d{4}-\d{2}$").all()
    assert data["rep_ratings"]["quarter"].str.match(r"^\d{4}-Q[1-4]$").all()
    for name, column in [("bookings", "amount"), ("targets", "amount"), ("plans", "amount")]:
        assert (data[name][column].astype(float) >= 0).all()
    assert data["surveys"]["score"].astype(int).between(1, 5).all()
    for name in ("rep_ratings", "supervisor_ratings"):
        assert data[name]["score"].astype(float).between(1, 5).all()
    exams = data["exams"]
    assert exams["score"].astype(float).between(0, 100).all()
    assert set(exams["passed"]) == {"0", "1"}
    assert data["training"]["hours"].astype(float).between(0, 24).all()
    assert set(data["activities"]["kind"]) <= {
        "team_meeting",
        "coaching",
        "joint_visit",
        "knowledge_share",
        "team_event",
    }
    assert set(data["customers"]["key_account"]) == {"0", "1"}


def test_history_runs_two_years_before_this_one_and_targets_through_this_month(
    data: dict[str, pd.DataFrame],
) -> None:
    booked = data["bookings"]["booked_on"]
    assert booked.min()[:7] == "2024-01" and booked.max() <= TODAY.isoformat()
    months = data["targets"]["month"]
    assert months.min() == "2024-01" and months.max() == "2026-11"
    # every employed rep has a target for every month of the current year
    employed = data["reps"].loc[data["reps"]["left_on"] == "", "code"]
    this_year = data["targets"][data["targets"]["month"].str.startswith("2026")]
    assert (this_year.groupby("rep_code").size().reindex(employed, fill_value=0) > 0).all()
    plans = data["plans"]
    assert sorted(plans["year"].unique()) == ["2024", "2025", "2026", "2027"]


def test_bookings_belong_to_employed_reps(data: dict[str, pd.DataFrame]) -> None:
    reps = data["reps"].set_index("code")
    b = data["bookings"].merge(reps, left_on="rep_code", right_index=True)
    assert (b["booked_on"] >= b["hired_on"]).all()
    left = b["left_on"] != ""
    assert (b.loc[left, "booked_on"] < b.loc[left, "left_on"]).all()
    since = data["customers"].set_index("code")["since"]
    assert (b["booked_on"] >= b["customer_code"].map(since)).all()


def test_some_reps_move_and_some_leave(data: dict[str, pd.DataFrame]) -> None:
    assert 2 <= len(data["assignments"]) <= 6
    reps = data["reps"].set_index("code")
    for a in data["assignments"].itertuples():
        assert a.supervisor_code != reps.loc[a.rep_code, "supervisor_code"]
        assert a.start_on > reps.loc[a.rep_code, "hired_on"]
    assert 10 <= (data["reps"]["left_on"] != "").sum() <= 25


def test_two_runs_give_identical_bytes(demo: Path, tmp_path: Path) -> None:
    generate(tmp_path, today=TODAY)
    for name in [*FILES, "manifest"]:
        suffix = ".json" if name == "manifest" else ".csv"
        assert (tmp_path / f"{name}{suffix}").read_bytes() == (demo / f"{name}{suffix}").read_bytes(), name


def test_committed_demo_is_what_the_generator_writes(demo: Path) -> None:
    committed = Path(__file__).resolve().parent.parent / "seed_data" / "demo"
    manifest = json.loads((committed / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["today"], manifest["seed"], manifest["scale"]) == ("2026-11-25", 7, 1)
    for name in [*FILES, "manifest"]:
        suffix = ".json" if name == "manifest" else ".csv"
        same = (committed / f"{name}{suffix}").read_bytes() == (demo / f"{name}{suffix}").read_bytes()
        assert same, f"{name}: regenerate with python -m seed_data.generate --today 2026-11-25"


def test_another_seed_gives_another_organisation(demo: Path, tmp_path: Path) -> None:
    generate(tmp_path, today=TODAY, seed=8)
    assert (tmp_path / "bookings.csv").read_bytes() != (demo / "bookings.csv").read_bytes()


# --- the planted stories ------------------------------------------------------------------


EXPECTED_PLANTED = {
    "S01": "balanced",
    "S02": "neglects_skills",
    "S03": "skills_only",
    "S04": "targets_only",
    "S05": "struggling",
    "S06": "team_only",
    "S07": "balanced",
    "S08": "neglects_targets",
    "S09": "neglects_team",
    "S10": "balanced",
    "S11": "neglects_skills",
    "S12": "targets_only",
}


def test_manifest_lists_the_planted_diagnoses(manifest: dict) -> None:
    assert manifest["planted"] == EXPECTED_PLANTED
    assert manifest["today"] == "2026-11-25" and manifest["window"]["week"] == "2026-W47"


@pytest.mark.parametrize(("sup", "diagnosis"), sorted(EXPECTED_PLANTED.items()))
def test_planted_supervisor_gets_its_diagnosis_with_a_clear_margin(
    scored: pd.DataFrame, sup: str, diagnosis: str
) -> None:
    row = scored.loc[sup]
    assert row["diagnosis"] == diagnosis, row.round(2).to_dict()
    assert row["margin"] >= 10, row.round(2).to_dict()


@pytest.mark.parametrize(
    ("sup", "leg", "lo", "hi"),
    [
        ("S01", "targets", 80, 95),
        ("S01", "team", 80, 100),
        ("S01", "skills", 80, 95),
        ("S07", "skills", 80, 95),
        ("S04", "targets", 99.99, 100),  # a targets-only team over target
        ("S04", "team", 0, 45),
        ("S04", "skills", 0, 45),
        ("S06", "attainment", 0.5, 0.6),
        ("S03", "attainment", 0.5, 0.6),
        ("S03", "coverage", 1, 1),
        ("S05", "targets", 0, 40),
        ("S05", "team", 0, 40),
        ("S05", "skills", 0, 40),
    ],
)
def test_planted_legs_look_as_described(
    scored: pd.DataFrame, sup: str, leg: str, lo: float, hi: float
) -> None:
    assert lo <= scored.loc[sup, leg] <= hi


def test_team_only_and_targets_only_show_their_causes(scored: pd.DataFrame) -> None:
    team_only, targets_only = scored.loc["S06"], scored.loc["S04"]
    assert team_only["evenness"] > 0.9 and team_only["cadence"] == 1 and team_only["retention"] == 1
    assert targets_only["evenness"] < 0.5 and targets_only["retention"] < 0.7


def test_some_reps_never_passed_the_exam(data: dict[str, pd.DataFrame]) -> None:
    employed = set(data["reps"].loc[data["reps"]["left_on"] == "", "code"])
    passed = set(data["exams"].loc[data["exams"]["passed"] == "1", "rep_code"])
    assert 15 <= len(employed - passed) <= 35


def test_customer_classes_have_sensible_shares(data: dict[str, pd.DataFrame], manifest: dict) -> None:
    shares = customer_classes(data, TODAY).value_counts(normalize=True)
    assert 0.08 <= shares["dormant"] <= 0.18
    assert 0.10 <= shares["fast_growing"] <= 0.25
    assert 0.15 <= shares["loyal"] <= 0.35
    assert 0.30 <= shares["worth_nurturing"] <= 0.55
    assert shares.get("no_bookings", 0) == 0
    assert sum(manifest["customer_classes"].values()) == 600


def test_one_department_is_below_its_csat_indicator(data: dict[str, pd.DataFrame], manifest: dict) -> None:
    targets = data["csat_targets"]
    indicator = targets[targets["year"] == "2026"].set_index("department_code")["csat_pct"].astype(float)
    for first in (date(2026, 1, 1), WEEK_END - timedelta(days=90)):
        csat = csat_by_department(data, first, WEEK_END)
        below = sorted(csat[csat < indicator.reindex(csat.index)].index)
        assert below == ["D02"], csat.round(1).to_dict()
        assert ((csat - indicator).drop("D02") >= 3).all()
    overall = (data["surveys"]["score"].astype(int) >= 4).mean()
    assert 0.80 <= overall <= 0.90
    assert manifest["csat_below_target_departments"] == ["D02"]


def test_one_supervisor_rates_reps_far_above_their_customers(data: dict[str, pd.DataFrame]) -> None:
    ratings = data["rep_ratings"]
    ratings = ratings[ratings["quarter"] == "2026-Q3"]
    surveys = data["surveys"]
    surveys = surveys[surveys["date"].between("2026-07-01", "2026-09-30")]
    customers = surveys.groupby("rep_code")["score"].apply(lambda s: s.astype(int).mean())
    gap = (
        ((ratings["score"].astype(float) - ratings["rep_code"].map(customers)) * 25)
        .groupby(ratings["supervisor_code"])
        .mean()
    )
    assert gap.idxmax() == "S04" and gap["S04"] >= 30
    assert (gap.drop("S04").abs() < 15).all(), gap.round(1).to_dict()


def test_one_department_plans_below_the_industry_forecast(data: dict[str, pd.DataFrame]) -> None:
    plans = data["plans"].astype({"year": int, "amount": float, "industry_growth_pct": float})
    b = data["bookings"]
    dep_of = dict(zip(data["customers"]["code"], data["customers"]["department_code"]))
    last_year = b[b["booked_on"].str.startswith("2025")]
    booked = last_year["amount"].astype(float).groupby(last_year["customer_code"].map(dep_of)).sum()
    this = plans[plans["year"] == 2026].set_index("department_code")
    growth = (this["amount"] / booked - 1) * 100
    below = growth < this["industry_growth_pct"]
    assert list(below[below].index) == ["D04"]
    assert (growth - this["industry_growth_pct"]).drop("D04").min() >= 4


def test_two_complaint_spikes_in_different_departments(data: dict[str, pd.DataFrame], manifest: dict) -> None:
    weekly = weekly_complaints(data)
    last = pd.Timestamp(WEEK_END - timedelta(days=6))
    spikes = []
    for i in range(13):
        week = last - pd.Timedelta(weeks=i)
        baseline = weekly.loc[week - pd.Timedelta(weeks=12) : week - pd.Timedelta(weeks=1)].mean()
        for dep, count in weekly.loc[week].items():
            if count > poisson_upper(float(baseline[dep])):
                spikes.append((dep, week.date(), int(count), float(baseline[dep])))
    assert len(spikes) == 2, spikes
    assert len({s[0] for s in spikes}) == 2
    assert all(count >= 2.5 * base for _, _, count, base in spikes), spikes
    planted = {(s["department_code"], s["week"]) for s in manifest["complaint_spikes"]}
    found = {(dep, f"{week.isocalendar()[0]}-W{week.isocalendar()[1]:02d}") for dep, week, _, _ in spikes}
    assert found == planted


def test_complaints_include_repeat_and_reactive_ones(data: dict[str, pd.DataFrame], manifest: dict) -> None:
    c = data["complaints"].assign(at=pd.to_datetime(data["complaints"]["received_at"]))
    for code in manifest["repeat_complainants"]:
        times = c.loc[c["customer_code"] == code, "at"].sort_values()
        assert (times.diff().dt.days < 30).sum() >= 2, code
    assert c["id"].is_unique


def test_some_key_accounts_are_overdue_for_contact(data: dict[str, pd.DataFrame], manifest: dict) -> None:
    customers = data["customers"]
    keys = set(customers.loc[customers["key_account"] == "1", "code"])
    contacts = data["contacts"]
    last = contacts.groupby("customer_code")["date"].max().map(_day)
    overdue = {c for c in keys if (WEEK_END - last.get(c, date(1970, 1, 1))).days > 30}
    assert overdue == set(manifest["overdue_key_accounts"])
    assert 5 <= len(overdue) <= 12


def test_every_date_is_on_or_before_today_for_another_today(tmp_path: Path) -> None:
    today = date(2027, 3, 1)  # a Monday: the last complete week ends the day before
    generate(tmp_path, today=today, scale=0.5)
    data = read_folder(tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["window"]["end"] == "2027-02-28"
    for name, columns in DATE_COLUMNS.items():
        for column in columns:
            values = data[name][column]
            assert values[values != ""].max() <= today.isoformat(), (name, column)
    assert data["complaints"]["received_at"].max() < today.isoformat()
    assert data["bookings"]["booked_on"].min() >= "2025-01-01"


def test_scale_grows_the_organisation(tmp_path: Path) -> None:
    rows = generate(tmp_path, today=TODAY, scale=3)
    assert rows["supervisors"] == 36 and rows["customers"] == 1800
    assert 14_000 <= rows["complaints"] <= 16_000
    data = read_folder(tmp_path)
    scored = legs(data, WEEK_END)
    diagnoses = [diagnose(r.targets, r.team, r.skills) for r in scored.itertuples()]
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert diagnoses == list(manifest["planted"].values())


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        (BENCH, (40, 1000, 10_000, 100_000, 3_000_000)),
        (size_for_scale(1), (4, 12, 80, 600, 5000)),
        (size_for_scale(0.25), (4, 4, 20, 150, 1250)),
        (size_for_scale(10), (12, 120, 800, 6000, 50_000)),
    ],
)
def test_sizes(size, expected: tuple[int, ...]) -> None:  # type: ignore[no-untyped-def]
    assert (size.departments, size.supervisors, size.reps, size.customers, size.complaints) == expected
